/**
 * docs/storage.md, Metrics: storage_jobs_active and storage_queue_depth had no series until the
 * client's first job was queued, so a dashboard or an alert on them read "no data" on a freshly
 * started client (after every app start, on a device that sent nothing yet) where it should read 0.
 * A started client now gives each gauge its zero series, for each job kind, before any job.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Metrics } from "../../src/obs/index.js";
import { gate } from "../support/gate.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, uploading, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** The sample lines of the registry's text (comments left out), each as written: name, labels, value. */
function samples(text: string): string[] {
  return text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
}

describe("the gauges of a started client that has run no job", () => {
  test("storage_jobs_active and storage_queue_depth read 0 for uploads and downloads", async () => {
    const metrics = new Metrics();
    await startClient({ metrics });
    const lines = samples(await metrics.text());
    for (const gauge of ["storage_jobs_active", "storage_queue_depth"]) {
      expect(lines.filter((line) => line.startsWith(`status_compat_${gauge}{`)).sort()).toEqual([
        `status_compat_${gauge}{kind="download"} 0`,
        `status_compat_${gauge}{kind="upload"} 0`,
      ]);
    }
  });

  test("every gauge the client registers has a series", async () => {
    const metrics = new Metrics();
    await startClient({ metrics });
    const text = await metrics.text();
    const gauges = [...text.matchAll(/^# TYPE (\S+) gauge$/gm)].map((m) => m[1] as string);
    expect(gauges.length).toBeGreaterThanOrEqual(7);
    const lines = samples(text);
    expect(gauges.filter((name) => !lines.some((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`)))).toEqual([]);
  });

  test("a second client starting on a registry whose first client has an upload running leaves the gauges' sums as they were", async () => {
    // The zero series are this client's share of a summed gauge (storage-metrics.ts), not a reset of the series.
    const metrics = new Metrics();
    const dir = tempDir("scc-idle-metrics-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const puts = gate();
    // The upload stops in its store call until the test lets it go: the first client's gauges hold still meanwhile.
    backend.beforePut = () => puts.wait;
    try {
      const first = await startClient({ dir: join(dir, "first"), backend, metrics });
      const job = first.client.share({ path: writeRandomFile(dir, "a.bin", 10 * KiB).path });
      await uploading(job);
      const gauges = async () => samples(await metrics.text()).filter((line) => /_storage_(jobs_active|queue_depth)\{/.test(line));
      const before = await gauges();
      expect(before).toContain('status_compat_storage_jobs_active{kind="upload"} 1');
      await startClient({ dir: join(dir, "second"), metrics });
      expect(await gauges()).toEqual(before);
    } finally {
      puts.open();
    }
  });
});
