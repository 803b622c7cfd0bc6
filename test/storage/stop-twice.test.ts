/**
 * stop() called a second time while the first is still stopping (two lifecycle hooks, a signal
 * handler and a window close) resolves only once the client has stopped: the caller may then start
 * a new client on the same folders.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { StorageClient } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { FAST_RETRY, KiB, SMALL_PIECES, writeRandomFile } from "./support/client-fixture.js";

describe("stop() twice at once", () => {
  test("the second call resolves once the client has stopped, so a new client can start on the same folders", async () => {
    const dir = tempDir("scc-stop-twice-");
    const backend = new InstrumentedBackend(createLocalBackend({ dir: join(dir, "store") }));
    const options = { protocol: 3, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES, piecesInFlight: 1 };
    try {
      const client = await StorageClient.open(options);
      // An upload in flight whose store takes a moment to give up: the first stop() waits for it.
      backend.beforePut = () => new Promise((r) => setTimeout(r, 50));
      const { path } = writeRandomFile(dir, "f.bin", 256 * KiB);
      client.share({ path });
      await new Promise((r) => setTimeout(r, 20));
      const first = client.stop();
      await client.stop();
      const next = await StorageClient.open({ ...options, renewEveryMs: 0 }).then(
        (c) => c,
        (error: { code?: string }) => error.code ?? String(error),
      );
      expect(typeof next === "string" ? next : "started").toBe("started");
      await first;
      if (typeof next !== "string") await next.stop();
    } finally {
      await backend.close();
    }
  });
});
