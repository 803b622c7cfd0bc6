import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

/** The value of one sample line of the Prometheus text, or undefined when the line is not there. */
function sample(text: string, line: string): number | undefined {
  const found = text.split("\n").find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe("job metrics: what an on-call engineer alerts and graphs on", () => {
  test("each job's run is observed once, by kind and outcome, and a failed one is counted by its code", async () => {
    const { client, dir } = await startClient();
    const { path } = writeRandomFile(dir, "a.bin", 200 * KiB);
    const shared = await client.share({ path }).done;
    await client.fetch(shared.reference, { out: join(dir, "copy.bin") }).done;

    // A reference whose pieces no store here holds: the download fails E_NOT_FOUND.
    const other = await startClient({ dir: join(dir, "other") });
    const { path: elsewhere } = writeRandomFile(dir, "b.bin", 50 * KiB);
    const lost = await other.client.share({ path: elsewhere }).done;
    const failed = client.fetch(lost.reference, { out: join(dir, "lost.bin") });
    await expect(failed.done).rejects.toMatchObject({ code: "E_NOT_FOUND" });

    const text = await client.metrics.text();
    const p = "status_compat_storage_job_duration_seconds";
    expect(sample(text, `${p}_count{kind="upload",outcome="done"}`)).toBe(1);
    expect(sample(text, `${p}_count{kind="download",outcome="done"}`)).toBe(1);
    expect(sample(text, `${p}_count{kind="download",outcome="failed"}`)).toBe(1);
    expect(sample(text, `${p}_count{kind="upload",outcome="failed"}`)).toBeUndefined();
    // A small file on the local store: well inside the first minute, and counted in every bucket from there.
    expect(sample(text, `${p}_bucket{le="60",kind="upload",outcome="done"}`)).toBe(1);
    expect(sample(text, `${p}_bucket{le="+Inf",kind="download",outcome="failed"}`)).toBe(1);
    expect(sample(text, `${p}_sum{kind="upload",outcome="done"}`)).toBeGreaterThanOrEqual(0);
    expect(sample(text, `status_compat_storage_job_failures_total{kind="download",code="E_NOT_FOUND"}`)).toBe(1);
    expect(sample(text, `status_compat_storage_job_failures_total{kind="upload",code="E_NOT_FOUND"}`)).toBeUndefined();
  });

  test("a cancelled run is observed as cancelled", async () => {
    const { client, dir } = await startClient();
    const { path } = writeRandomFile(dir, "c.bin", 200 * KiB);
    const job = client.share({ path });
    await new Promise<void>((started) => job.on("state", (s) => (s === "uploading" ? started() : undefined)));
    client.cancel(job.id);
    await expect(job.done).rejects.toBeDefined();
    const text = await client.metrics.text();
    expect(sample(text, `status_compat_storage_job_duration_seconds_count{kind="upload",outcome="cancelled"}`)).toBe(1);
  });
});
