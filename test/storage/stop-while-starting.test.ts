/**
 * stop() called while start() is still under way (an app closed or sent to the background during
 * its start-up). The client must end stopped: start() settles (with E_CLIENT_CLOSED if it did not
 * finish), nothing runs on a closed journal, and the data directory's lock is free for the next
 * client, with no timer left behind.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageClient, StorageError } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { SMALL_PIECES, localStore, writeRandomFile } from "./support/client-fixture.js";

const ticks = (n: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, n));

describe("stop() while start() runs", () => {
  test.each([0, 1, 3, 10, 30])("stopped %i ms into the start: start settles, the client stays stopped, and a new client starts on the same folders", async (after) => {
    const dir = tempDir("scc-stop-starting-");
    const backend = localStore(join(dir, "store"));
    const options = { protocol: 3, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 60_000, ...SMALL_PIECES };
    try {
      const client = new StorageClient(options);
      const starting = client.start().then(
        () => "started",
        (error: unknown) => (error instanceof StorageError ? error.code : `raw ${String(error)}`),
      );
      await ticks(after);
      await client.stop();
      const outcome = await starting;
      expect(["started", "E_CLIENT_CLOSED"]).toContain(outcome);
      // Stopped is stopped, whichever way start went.
      const { path } = writeRandomFile(dir, "f.bin", 1000);
      expect(() => client.share({ path })).toThrow(expect.objectContaining({ code: "E_CLIENT_CLOSED" }));
      const next = await StorageClient.open({ ...options, renewEveryMs: 0 });
      const shared = await next.share({ path }).done;
      expect(shared.view.plaintextSize).toBe(1000);
      await next.stop();
    } finally {
      await backend.close();
    }
  });
});
