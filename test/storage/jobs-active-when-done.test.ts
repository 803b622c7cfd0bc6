/**
 * The queue counted a job as running until a few turns after its handle settled: code awaiting
 * `job.done` and then reading the registry (a test, a status screen refreshed on completion) saw
 * storage_jobs_active still at 1. The handle now settles once the queue has let the job go.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Metrics } from "../../src/obs/index.js";
import { raceSignal } from "../../src/storage/abort-error.js";
import { gate } from "../support/gate.js";
import { until } from "../support/until.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** One sample's value in the registry's text (names carry the registry's prefix), labels as written. */
function sample(text: string, series: string): number | undefined {
  const full = `status_compat_${series}`;
  const line = text.split("\n").find((l) => l.startsWith(`${full} `));
  return line === undefined ? undefined : Number(line.slice(full.length + 1));
}

async function gauges(metrics: Metrics, kind: "upload" | "download"): Promise<{ active?: number; queued?: number }> {
  const text = await metrics.text();
  return { active: sample(text, `storage_jobs_active{kind="${kind}"}`), queued: sample(text, `storage_queue_depth{kind="${kind}"}`) };
}

describe("storage_jobs_active as a job's done settles", () => {
  test("an upload then a download: once done resolves, neither counts as running or queued", async () => {
    const metrics = new Metrics();
    const { client, dir } = await startClient({ metrics });
    const share = client.share({ bytes: new Uint8Array(100 * KiB).fill(7), fileName: "a.bin" });
    const { reference } = await share.done;
    expect(await gauges(metrics, "upload")).toEqual({ active: 0, queued: 0 });

    const fetched = client.fetch(reference, { out: join(dir, "out.bin") });
    await fetched.done;
    expect(await gauges(metrics, "download")).toEqual({ active: 0, queued: 0 });
  });

  test("a cancelled upload: once done rejects, it no longer counts as running", async () => {
    const dir = tempDir("scc-active-cancel-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const { wait, open } = gate();
    // The put waits for the test, or ends with its signal as a real store's does.
    backend.beforePut = (_bytes, signal) => raceSignal(wait, signal, "the test's gate");
    const metrics = new Metrics();
    try {
      const { client } = await startClient({ dir, backend, metrics });
      const job = client.share({ bytes: new Uint8Array(100 * KiB).fill(3), fileName: "b.bin" });
      await until(() => backend.putDigests.length > 0, "a put waiting at the gate");
      expect((await gauges(metrics, "upload")).active).toBe(1);
      job.cancel();
      await expect(job.done).rejects.toMatchObject({ code: "E_ABORTED", message: expect.stringMatching(/cancelled/) });
      expect((await gauges(metrics, "upload")).active).toBe(0);
    } finally {
      open();
    }
  });
});
