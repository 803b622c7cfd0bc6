/**
 * chunkSize and pieceSize are checked at start like the other numeric options. They were taken as
 * given, so every share() later failed with an error that sent the user the wrong way: a raw
 * CryptoError (chunkSize 0), "the file cannot be shared as given" (chunkSize over 4 MiB, fractional
 * or NaN: nothing wrong with the file), or "the state database failed" (pieceSize NaN: nothing wrong
 * with the disk).
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { StorageClient } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";

describe("piece layout options", () => {
  test.each([
    ["chunkSize", 0],
    ["chunkSize", Number.NaN],
    ["chunkSize", 1000.5],
    ["chunkSize", 4 * 1024 * 1024 + 1],
    ["pieceSize", Number.NaN],
    ["pieceSize", -1],
    ["pieceSize", Infinity],
  ])("%s %s is refused at start with a RangeError naming it", async (name, value) => {
    const dir = tempDir("scc-piece-options-");
    const backend = createLocalBackend({ dir: join(dir, "store") });
    try {
      const client = new StorageClient({ protocol: 3, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, [name]: value });
      await expect(client.start()).rejects.toThrow(expect.objectContaining({ name: "RangeError", message: expect.stringContaining(`option ${name}`) }));
      await client.stop();
    } finally {
      await backend.close();
    }
  });

  test("the largest chunk size and a piece size below one chunk (one chunk per piece) still start", async () => {
    const dir = tempDir("scc-piece-options-");
    const backend = createLocalBackend({ dir: join(dir, "store") });
    try {
      const client = await StorageClient.open({ protocol: 3, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, chunkSize: 4 * 1024 * 1024, pieceSize: 1 });
      await client.stop();
    } finally {
      await backend.close();
    }
  });
});
