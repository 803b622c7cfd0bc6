/**
 * An unfinished upload whose journaled piece size no plan can use (a corrupt row, one another
 * release wrote): the starting client fails that job with a typed error; it never plans forever.
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { StorageClient } from "../../src/storage/index.js";
import { spawnCollecting } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, KiB, SMALL_PIECES, localStore, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { nodeArgs } from "../support/node-args.js";

const CHILD = fileURLToPath(new URL("./support/corrupt-piece-size-child.ts", import.meta.url));

/** An upload stopped after its first piece, its journal row then given `pieceSize`. */
async function interruptedWithPieceSize(pieceSize: number): Promise<{ dir: string; jobId: string }> {
  const dir = tempDir();
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  backend.beforePut = () => new Promise((r) => setTimeout(r, 10));
  const client = await StorageClient.open({
    protocol: 3,
    backend,
    statePath: join(dir, "s.sqlite"),
    dataDir: join(dir, "d"),
    renewEveryMs: 0,
    retry: FAST_RETRY,
    ...SMALL_PIECES,
    piecesInFlight: 1,
  });
  const job = client.share({ path: writeRandomFile(dir, "f.bin", 320 * KiB).path });
  await new Promise<void>((resolve) => job.on("progress", (p) => p.piecesDone >= 1 && resolve()));
  await client.stop();
  const db = new Database(join(dir, "s.sqlite"));
  db.prepare("UPDATE upload_jobs SET piece_size = ? WHERE id = ?").run(pieceSize, job.id);
  db.close();
  return { dir, jobId: job.id };
}

describe("a journaled piece size no plan can use", () => {
  test.each([
    ["zero", 0],
    ["negative", -SMALL_PIECES.pieceSize],
    ["not whole chunks", SMALL_PIECES.pieceSize + 1],
  ])("%s: the job fails E_UNSUPPORTED at start naming the piece size; the client neither hangs nor runs out of memory", async (_name, pieceSize) => {
    const { dir, jobId } = await interruptedWithPieceSize(pieceSize);
    const result = await spawnCollecting(process.execPath, ["--max-old-space-size=96", ...nodeArgs(CHILD), dir, jobId], { timeoutMs: 20_000 });
    expect(result.stderr).toBe("");
    const outcome = JSON.parse(result.stdout) as { code: string; state: string; message: string };
    expect(outcome).toMatchObject({ code: "E_UNSUPPORTED", state: "failed" });
    expect(outcome.message).toContain(`piece size ${pieceSize}`);
  }, 30_000);
});
