/**
 * docs/storage.md, Logging: a job that fails is logged at warn, with its id, kind and code, so an
 * application whose log runs at warn (the CLI's default, and what an app ships with) sees its
 * failed transfers there. Every job move was logged at info, the failure too: such a log said
 * nothing of an upload that failed for good, only the failures metric did. A stop, which leaves
 * the job to resume (E_CLIENT_CLOSED), is no failure of the transfer and stays at info.
 */
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { createLogger } from "../../src/obs/index.js";
import { StorageError } from "../../src/storage/index.js";
import { gate } from "../support/gate.js";
import { LogCapture } from "../support/log-capture.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, uploading, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const WARN = 40;

describe("a failed job in a log at warn", () => {
  test("a share the store refuses for good is one warn line with the job's id, kind and code", async () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: "warn", destination: capture });
    const dir = tempDir("scc-failure-log-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    backend.beforePut = () => {
      throw new StorageError("E_BACKEND_REJECTED", "refused (test)");
    };
    const { client } = await startClient({ dir, backend, logger });
    const job = client.share({ path: writeRandomFile(dir, "f.bin", 10 * KiB).path });
    await expect(job.done).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });
    const failed = capture.lines().filter((line) => line["job"] === job.id);
    expect(failed).toEqual([expect.objectContaining({ level: WARN, msg: "job state", kind: "upload", state: "failed", code: "E_BACKEND_REJECTED", component: "storage.client" })]);
  });

  test("a job failed E_CLIENT_CLOSED by its backend closing under it (the app's own doing; retry() or the next start runs it) is not logged at warn", async () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: "warn", destination: capture });
    const dir = tempDir("scc-failure-log-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const onItsWay = gate();
    backend.beforePut = () => onItsWay.wait;
    const { client } = await startClient({ dir, backend, logger });
    const job = client.share({ path: writeRandomFile(dir, "f.bin", 10 * KiB).path });
    await uploading(job);
    await vi.waitFor(() => expect(backend.puts).toBeGreaterThan(0), { timeout: 5_000 });
    await backend.close();
    onItsWay.open();
    await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    expect(client.jobs().find((j) => j.id === job.id)).toMatchObject({ state: "failed", lastErrorCode: "E_CLIENT_CLOSED" });
    expect(capture.lines().filter((line) => line["job"] === job.id)).toEqual([]);
  });
});
