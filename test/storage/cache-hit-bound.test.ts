/**
 * A cache hit is hashed again before it is served: its file is open and read 1 MiB at a time
 * (a buffer here and its copy queued for the hashing worker) until the digest is known. An
 * application that fetches many files it already has at once (a media gallery, a channel opened
 * with its attachments) must not hold a descriptor and 2 MiB per hit for all of them at once:
 * measured before this test, 300 hits of a 50 MiB file held 336 descriptors and 905 MB of RSS.
 * The descriptors open on the cached file are counted exactly through a pass-through wrapper of
 * node:fs/promises (every call goes to the real one), while the hashing worker is kept busy so
 * every check that may start has started before any ends.
 */
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { STORAGE_DEFAULTS } from "../../src/storage/index.js";
import { busyHashingWorker } from "./support/busy-hashing-worker.js";
import { MiB, startClient, writeRandomFile } from "./support/client-fixture.js";

/** Descriptors open on files under `dir` (not temp files) at once: now and at most. */
const opens = vi.hoisted(() => ({ dir: "", live: 0, peak: 0 }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const { countingOpen } = await import("./support/counted-opens.js");
  const open = countingOpen(real.open, opens, (path) => opens.dir !== "" && path.startsWith(opens.dir) && !path.endsWith(".part"));
  return { ...real, default: { ...real, open }, open };
});

const HITS = 12;

/** A client with a 2 MiB file (hashed on the worker) fetched into its cache, and that file's reference. */
async function clientWithCachedFile() {
  const setup = await startClient();
  const { path } = writeRandomFile(setup.dir, "video.mp4", 2 * MiB);
  const { reference } = await setup.client.share({ path }).done;
  const first = await setup.client.fetch(reference).done;
  expect(first.fromCache).toBe(false);
  return { ...setup, reference, cachedPath: first.path };
}

describe("cache hits checked at once", () => {
  test(`${HITS} hits of a cached file fetched at once are checked at most jobsInFlight (${STORAGE_DEFAULTS.jobsInFlight.full}) at a time, each still served from the cache`, async () => {
    const { client, dataDir, reference, cachedPath } = await clientWithCachedFile();
    const busy = busyHashingWorker();
    opens.dir = join(dataDir, "cache");
    opens.live = 0;
    opens.peak = 0;
    let results;
    try {
      // Every check that may start reads its first MiB and then waits for the worker.
      busy.hold();
      const hits = Array.from({ length: HITS }, () => client.fetch(reference).done);
      await busy.release();
      results = await Promise.all(hits);
    } finally {
      opens.dir = "";
    }
    expect(results.map((r) => [r.fromCache, r.path])).toEqual(Array.from({ length: HITS }, () => [true, cachedPath]));
    expect(opens.live).toBe(0);
    expect(opens.peak).toBeGreaterThan(0);
    expect(opens.peak).toBeLessThanOrEqual(STORAGE_DEFAULTS.jobsInFlight.full);
  });

  test("a hit cancelled while it waits for its turn ends cancelled (E_ABORTED) and the others are served; hits waiting when the client stops settle stopped (E_CLIENT_CLOSED) or served", async () => {
    const { client, reference } = await clientWithCachedFile();
    const busy = busyHashingWorker();
    try {
      busy.hold();
      const jobs = Array.from({ length: 6 }, () => client.fetch(reference));
      const last = jobs.at(-1) as (typeof jobs)[number];
      last.cancel();
      await expect(last.done).rejects.toMatchObject({ code: "E_ABORTED" });
      expect(last.state).toBe("cancelled");
      const served = await Promise.all(jobs.slice(0, -1).map((j) => j.done));
      expect(served.every((r) => r.fromCache)).toBe(true);
      const waiting = Array.from({ length: 6 }, () =>
        client.fetch(reference).done.then(
          (r) => (r.fromCache ? "served" : "fetched"),
          (e: { code?: string }) => e.code,
        ),
      );
      await client.stop();
      const outcomes = await Promise.all(waiting);
      expect(outcomes.every((o) => o === "served" || o === "E_CLIENT_CLOSED")).toBe(true);
      expect(outcomes).toContain("E_CLIENT_CLOSED");
    } finally {
      await busy.release();
    }
  });
});
