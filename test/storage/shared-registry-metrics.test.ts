/**
 * docs/storage.md, Metrics: an application with two accounts runs two clients in one process and
 * passes both the registry it exports (`metrics`). The counters add up across them, as a process's
 * totals should; the gauges were set by each client to its own value, so the last client to report
 * won: with an upload running in each account storage_jobs_active said 1, and storage_quota_bytes
 * was one account's quota while storage_cache_bytes was the other's bytes. Each
 * gauge of a shared registry is now the sum of the started clients' values, and a stopped client's
 * share leaves it.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Metrics } from "../../src/obs/index.js";
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

describe("two clients on one Metrics registry", () => {
  test("each gauge is the sum of both clients' values, the counters add up, and a stopped client's share leaves the gauges", async () => {
    const dir = tempDir("scc-two-accounts-");
    const store = localStore(join(dir, "store"));
    const metrics = new Metrics();
    // Each account's upload stops in its store call until the test lets it go.
    const gates = [0, 1].map(() => {
      const backend = new InstrumentedBackend(store);
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      backend.beforePut = () => gate;
      return { backend, open };
    });
    const [forAlice, forBob] = gates as [(typeof gates)[0], (typeof gates)[0]];
    try {
      const alice = await startClient({ dir: join(dir, "alice"), backend: forAlice.backend, metrics, quotaBytes: 1000 * KiB });
      const bob = await startClient({ dir: join(dir, "bob"), backend: forBob.backend, metrics, quotaBytes: 500 * KiB });
      const aliceJob = alice.client.share({ bytes: new Uint8Array(20 * KiB).fill(1), fileName: "a.bin" });
      const bobJob = bob.client.share({ bytes: new Uint8Array(30 * KiB).fill(2), fileName: "b.bin" });
      await until(() => aliceJob.state === "uploading" && bobJob.state === "uploading", "both uploads running");

      const during = await metrics.text();
      expect(sample(during, 'storage_jobs_active{kind="upload"}')).toBe(2);
      expect(sample(during, "storage_quota_bytes")).toBe(1500 * KiB);
      expect(alice.client.usage().usedBytes).toBeGreaterThan(0);
      expect(bob.client.usage().usedBytes).toBeGreaterThan(0);
      expect(sample(during, "storage_cache_bytes")).toBe(alice.client.usage().usedBytes + bob.client.usage().usedBytes);

      forBob.open();
      await bobJob.done;
      // Counters were right already: bob's stored bytes are there while alice's wait.
      expect(sample(await metrics.text(), 'storage_transfer_bytes_total{direction="up"}')).toBeGreaterThan(30 * KiB);
      forAlice.open();
      await aliceJob.done;
      expect(sample(await metrics.text(), 'storage_transfer_bytes_total{direction="up"}')).toBeGreaterThan(50 * KiB);

      // Alice signs out: her client stops, bob's numbers alone remain.
      await alice.client.stop();
      const after = await metrics.text();
      expect(sample(after, "storage_quota_bytes")).toBe(500 * KiB);
      expect(sample(after, "storage_cache_bytes")).toBe(bob.client.usage().usedBytes);
    } finally {
      for (const { open } of gates) open();
    }
  });
});
