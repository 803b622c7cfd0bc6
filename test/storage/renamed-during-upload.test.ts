/**
 * A file renamed, moved to another folder or deleted while its first upload reads it keeps its bytes
 * (the upload reads through the descriptor it opened), but its change time moves. The end-of-run
 * check compared the change time too (since b1aff70), so such a share failed E_SOURCE_CHANGED, "it
 * was modified during the upload", though nothing was: a user who tidied the photo away while it was
 * sending, or an app that removed its temp file once the send began, had to share it again.
 */
import { renameSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { SMALL_PIECES, fileSha256, localStore, sha256Hex, startClient, writeRandomFile } from "./support/client-fixture.js";
import { tempDir } from "../support/temp-dir.js";

/** Shares a file, does `meanwhile` to it once its first piece is stored, and fetches back what was shared. */
async function shareWhile(meanwhile: (path: string, dir: string) => void): Promise<{ sent: Buffer; back: string | undefined; error?: string }> {
  const dir = tempDir();
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  // One piece at a time, each put held a little: the change lands while later pieces are read.
  backend.beforePut = () => new Promise((resolve) => setTimeout(resolve, 15));
  const { client } = await startClient({ dir, backend, piecesInFlight: 1 });
  const { path, bytes } = writeRandomFile(dir, "photo.jpg", 8 * SMALL_PIECES.pieceSize);
  const job = client.share({ path });
  await new Promise<void>((resolve) => job.on("progress", (p) => p.piecesDone >= 1 && resolve()));
  meanwhile(path, dir);
  try {
    const { reference } = await job.done;
    const out = join(dir, "back.jpg");
    await client.fetch(reference, { out }).done;
    return { sent: bytes, back: fileSha256(out) };
  } catch (error) {
    return { sent: bytes, back: undefined, error: `${(error as { code?: string }).code}: ${(error as Error).message}` };
  }
}

describe("a file whose name changes while its first upload reads it", () => {
  test("renamed (or moved within its disk): shared as it was read", async () => {
    const { sent, back, error } = await shareWhile((path, dir) => renameSync(path, join(dir, "holiday.jpg")));
    expect(error).toBeUndefined();
    expect(back).toBe(sha256Hex(sent));
  });

  test("deleted: shared as it was read", async () => {
    const { sent, back, error } = await shareWhile((path) => unlinkSync(path));
    expect(error).toBeUndefined();
    expect(back).toBe(sha256Hex(sent));
  });
});
