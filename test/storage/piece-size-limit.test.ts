/**
 * A sender's pieceSize against what receivers agree to buffer (maxPieceBytes, 64 MiB by default,
 * the same in every release). A sender whose pieces seal larger than that shared files nobody
 * with the default could open: its shares succeeded, every fetch was E_BAD_REFERENCE.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { TAG_BYTES } from "../../src/crypto/index.js";
import { createLogger } from "../../src/obs/index.js";
import { StorageClient } from "../../src/storage/index.js";
import { STORAGE_DEFAULTS } from "../../src/storage/client-options.js";
import { LogCapture } from "../support/log-capture.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, MiB, localStore, startClient } from "./support/client-fixture.js";

const CHUNK = 64 * KiB;
/** The largest pieceSize (whole 64 KiB chunks) whose pieces a default receiver takes: 64 MiB sealed at most. */
const LARGEST_ACCEPTED = Math.floor(STORAGE_DEFAULTS.maxPieceBytes / (CHUNK + TAG_BYTES)) * CHUNK;

function warningsAbout(capture: LogCapture, option: string): Array<Record<string, unknown>> {
  return capture.lines().filter((l) => l["option"] === option);
}

describe("pieceSize against the receivers' maxPieceBytes", () => {
  test("a pieceSize whose pieces seal above this client's own maxPieceBytes (64 MiB, every default receiver's) is a RangeError at start naming both, before any lock or file; the client started and its shares were refused by every default receiver", async () => {
    const dir = tempDir();
    const opened = StorageClient.open({ protocol: 3, backend: localStore(join(dir, "store")), statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, chunkSize: CHUNK, pieceSize: 64 * MiB, maxFileBytes: 200 * MiB });
    await expect(opened).rejects.toThrow(RangeError);
    await expect(opened).rejects.toThrow(/pieceSize.*maxPieceBytes/);
    // One chunk past the largest accepted is already too much.
    const next = StorageClient.open({ protocol: 3, backend: localStore(join(dir, "store2")), statePath: join(dir, "s2.sqlite"), dataDir: join(dir, "d2"), renewEveryMs: 0, chunkSize: CHUNK, pieceSize: LARGEST_ACCEPTED + CHUNK, maxFileBytes: 200 * MiB });
    await expect(next).rejects.toThrow(RangeError);
    expect(readdirSync(dir).filter((f) => f !== "store" && f !== "store2")).toEqual([]);
  });

  test("the largest pieceSize the check allows makes pieces a default receiver opens (one whole piece of it, sent and fetched), and starts without a warning", async () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: "warn", destination: capture });
    const sender = await startClient({ chunkSize: CHUNK, pieceSize: LARGEST_ACCEPTED, maxFileBytes: 100 * MiB, logger });
    const receiver = await startClient({ backend: sender.backend, maxFileBytes: 100 * MiB });
    const bytes = randomBytes(LARGEST_ACCEPTED);
    const shared = await sender.client.share({ bytes, fileName: "video.mp4" }).done;
    const got = await receiver.client.fetch(shared.reference).done;
    expect(readFileSync(got.path).equals(bytes)).toBe(true);
    expect(warningsAbout(capture, "pieceSize")).toEqual([]);
  }, 60_000);

  test("a pieceSize larger than any file this client shares (pieceSize 100 MiB, maxFileBytes 50 MiB: one piece a file) starts: its pieces never seal above the limit", async () => {
    const { client } = await startClient({ chunkSize: CHUNK, pieceSize: 100 * MiB });
    expect(client.usage().quotaBytes).toBeGreaterThan(0);
  });

  test("with maxPieceBytes raised (a deployment whose receivers all raised it), such a pieceSize starts, with a warning naming pieceSize and the default receivers' limit", async () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: "warn", destination: capture });
    await startClient({ chunkSize: CHUNK, pieceSize: 64 * MiB, maxPieceBytes: 128 * MiB, maxFileBytes: 200 * MiB, logger });
    const warned = warningsAbout(capture, "pieceSize");
    expect(warned, capture.text).toHaveLength(1);
    expect(String(warned[0]?.["msg"])).toContain(String(STORAGE_DEFAULTS.maxPieceBytes));
  });

  test("a maxFileBytes above the default (50 MiB) starts with a warning naming it: files above 50 MiB this client shares are refused by default receivers (E_FILE_TOO_LARGE)", async () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: "warn", destination: capture });
    await startClient({ maxFileBytes: 100 * MiB, logger });
    expect(warningsAbout(capture, "maxFileBytes"), capture.text).toHaveLength(1);
  });
});
