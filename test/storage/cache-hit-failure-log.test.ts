/**
 * docs/storage.md, Logging and Metrics: a failed transfer is one warn line (job id, kind, code) and
 * counts in storage_job_failures_total, E_INTEGRITY the one to alert on. A fetch served from the
 * cache that failed (a hostile reference naming a file the receiver holds, with another size) went
 * neither to the log nor to the metric: its handle rejected E_INTEGRITY, while the same reference
 * downloaded over the network was a warn line and a count. The operator saw the attack only when
 * the receiver did not hold the file.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { sha256 } from "../../src/crypto/index.js";
import { createLogger, createMetrics, type Metrics } from "../../src/obs/index.js";
import { decodeFileReference, encodeFileReference } from "../../src/wire/index.js";
import { LogCapture } from "../support/log-capture.js";
import { startClient, writeRandomFile } from "./support/client-fixture.js";

async function failures(metrics: Metrics, labels: Record<string, string>): Promise<number> {
  const metric = metrics.registry.getSingleMetric(`${metrics.prefix}storage_job_failures_total`);
  const values = metric === undefined ? [] : (await metric.get()).values;
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((sum, v) => sum + v.value, 0);
}

describe("a cache hit that fails is logged and counted as a failed download is", () => {
  test("a hostile reference naming a cached file with another size: one warn line with its job id and E_INTEGRITY, and one failure counted", async () => {
    const capture = new LogCapture();
    const metrics = createMetrics();
    const { client, dir } = await startClient({ logger: createLogger({ level: "warn", destination: capture }), metrics });
    const photo = writeRandomFile(dir, "photo.jpg", 200 * 1024);
    const other = writeRandomFile(dir, "other.bin", 150 * 1024);
    const honest = (await client.share({ path: photo.path }).done).reference;
    expect((await client.fetch(honest).done).fromCache).toBe(false);
    const view = decodeFileReference((await client.share({ path: other.path }).done).reference, 3);
    const hostile = encodeFileReference({ ...view, plaintextSha256: sha256(photo.bytes) }, 3);

    const job = client.fetch(hostile);
    await expect(job.done).rejects.toMatchObject({ code: "E_INTEGRITY" });
    expect(capture.lines().filter((l) => l["job"] === job.id)).toEqual([
      expect.objectContaining({ level: 40, msg: "job state", kind: "download", state: "failed", code: "E_INTEGRITY", component: "storage.client" }),
    ]);
    expect(await failures(metrics, { kind: "download", code: "E_INTEGRITY" })).toBe(1);

    // The same reference over the network: the same line and count, as before.
    const downloaded = client.fetch(hostile, { out: join(dir, "out.jpg") });
    await expect(downloaded.done).rejects.toMatchObject({ code: "E_INTEGRITY" });
    expect(capture.lines().filter((l) => l["job"] === downloaded.id)).toEqual([expect.objectContaining({ level: 40, code: "E_INTEGRITY" })]);
    expect(await failures(metrics, { kind: "download", code: "E_INTEGRITY" })).toBe(2);
  });
});
