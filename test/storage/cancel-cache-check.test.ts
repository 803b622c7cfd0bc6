/**
 * fetch() of a cached file first checks that the file still holds its content; one the application
 * wrote to is fetched again, as the same job. A cancel asked for while the check runs must hold:
 * the job ends E_ABORTED and nothing is downloaded, rather than the check's outcome quietly starting
 * the download the user just cancelled.
 */
import { openSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { tempDir } from "../support/temp-dir.js";

describe("cancel while a cache hit is checked", () => {
  test("a cached file that no longer holds its content is not fetched again after the job was cancelled", async () => {
    const dir = tempDir("scc-cancel-hit-");
    const backend = new InstrumentedBackend(createLocalBackend({ dir: join(dir, "store") }));
    const { client } = await startClient({ dir, backend });
    const { path } = writeRandomFile(dir, "photo.bin", 300 * KiB);
    const { reference } = await client.share({ path }).done;
    const cached = await client.fetch(reference).done;
    // The application wrote into the cached file (same size): the next fetch's check fails.
    const fd = openSync(cached.path, "r+");
    writeSync(fd, Buffer.alloc(100, 1), 0, 100, 1000);
    closeSync(fd);
    const gets = backend.gets;
    const job = client.fetch(reference);
    job.cancel();
    const outcome = await job.done.then(
      (r) => (r.fromCache ? "served from cache" : "downloaded"),
      (error: { code?: string }) => error.code,
    );
    expect(outcome).toBe("E_ABORTED");
    expect(backend.gets).toBe(gets);
    expect(job.state).toBe("cancelled");
    await backend.close();
  });
});
