/**
 * Counts (pieces, jobs and streams in flight) must be whole numbers. An application that computes
 * one (half its CPU cores: 1.5 on three) must hear so at start, not have every transfer fail later
 * with an internal error.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { StorageClient } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { SMALL_PIECES } from "./support/client-fixture.js";

describe("count options that are not whole numbers", () => {
  test.each(["piecesInFlight", "jobsInFlight", "streamsInFlight"])("%s: 1.5 is refused at start with a RangeError naming it", async (name) => {
    const dir = tempDir("scc-counts-");
    const backend = createLocalBackend({ dir: join(dir, "store") });
    try {
      const client = new StorageClient({ protocol: 3, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, ...SMALL_PIECES, [name]: 1.5 });
      await expect(client.start()).rejects.toThrow(new RegExp(`${name}.*whole number`));
      await client.stop();
    } finally {
      await backend.close();
    }
  });
});
