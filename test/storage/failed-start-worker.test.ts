/**
 * A start refused over an option (a RangeError after the journal is open) must give back the hashing
 * worker it took: the worker is shared by the process and stops with its last user, so a leaked
 * hold kept it running for the life of the process after every client had stopped.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Sha256Offload } from "../../src/crypto/index.js";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { StorageClient } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";

describe("a start refused over an option", () => {
  test.each([{ piecesInFlight: 0 }, { jobsInFlight: 0 }, { streamsInFlight: -1 }])("%o: the shared hashing worker still stops with its last user", async (bad) => {
    const dir = tempDir("scc-bad-start-");
    const backend = createLocalBackend({ dir: join(dir, "store") });
    try {
      const client = new StorageClient({ protocol: 3, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, ...bad });
      await expect(client.start()).rejects.toBeInstanceOf(RangeError);
      await client.stop();
      await backend.close();
      // The process's only user now: its release must stop the worker it starts.
      const hasher = Sha256Offload.acquire();
      await hasher.digest(randomBytes(1024 * 1024));
      await Sha256Offload.release(hasher);
      expect((hasher as unknown as { closed: boolean }).closed).toBe(true);
    } finally {
      await backend.close();
    }
  });
});
