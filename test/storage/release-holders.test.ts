/**
 * release(ref) clears the `referenced` mark of the reference's pieces, keyed by their CIDs, with no
 * count. That is safe only while no piece CID is held by two uploads: every share seals with a key
 * and nonce prefix of its own, so two shares of one file (by path, or its bytes twice, which read one
 * spool file) store different pieces, and releasing one leaves the other renewed, its job kept, and
 * its spooled source pinned while it is unfinished. (One reference carried by two messages is one
 * holder here: the application releases it when the last message goes, docs/storage.md.)
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError, type ShareResult } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const DAY = 24 * 60 * 60 * 1000;

async function sender() {
  const dir = tempDir("scc-release-holders-");
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const clock = { t: Date.UTC(2026, 0, 1) };
  const setup = await startClient({ dir, backend, clock: { now: () => clock.t }, keepEndedJobsMs: DAY, quotaBytes: 150 * KiB });
  return { ...setup, backend, clock, start: clock.t };
}

const cids = (shared: ShareResult): string[] => shared.view.pieces.map((p) => p.cid).sort();

describe("two shares of one file, one released", () => {
  test.each(["path", "bytes"] as const)("by %s: no piece in common; the other is still renewed after the released one is forgotten", async (how) => {
    const { client, backend, clock, start, dir } = await sender();
    const file = writeRandomFile(dir, "photo.jpg", 100 * KiB);
    const input = how === "path" ? { path: file.path } : { bytes: file.bytes, fileName: "photo.jpg" };
    const [a, b] = await Promise.all([client.share(input).done, client.share(input).done]);
    expect(cids(a).filter((cid) => cids(b).includes(cid)), "pieces held by both uploads").toEqual([]);
    client.release(a.reference);
    clock.t = start + 28 * DAY;
    const puts = backend.puts;
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed.sort(), "only the still referenced file's pieces").toEqual(cids(b));
    expect(backend.puts - puts).toBe(b.view.pieces.length);
    // The released upload ended more than keepEndedJobsMs ago: forgotten by that renewal check.
    expect(() => client.job(a.jobId)).toThrow(expect.objectContaining({ code: "E_JOB_UNKNOWN" }));
    expect(client.job(b.jobId).state).toBe("done");
    clock.t = start + 31 * DAY;
    expect((await client.status(a.reference)).state, "its pieces no longer renewed").toBe("expired");
    expect(await client.status(b.reference)).toEqual({ state: "available", expiresAt: start + 58 * DAY });
  });

  test("its bytes twice, one released and forgotten while the other waits for its retry: the spool file both read stays pinned", async () => {
    const { client, backend, clock, start, dir } = await sender();
    const file = writeRandomFile(dir, "photo.jpg", 100 * KiB);
    const other = await client.share({ path: writeRandomFile(dir, "other.jpg", 100 * KiB).path }).done;
    const a = await client.share({ bytes: file.bytes, fileName: "photo.jpg" }).done;
    clock.t = start + 2 * DAY;
    backend.beforePut = () => {
      throw new StorageError("E_BACKEND_REJECTED", "refused (test)");
    };
    const b = client.share({ bytes: file.bytes, fileName: "photo.jpg" });
    expect(((await b.done.catch((e: unknown) => e)) as StorageError).code).toBe("E_BACKEND_REJECTED");
    backend.beforePut = undefined;
    client.release(a.reference);
    await client.renewDue();
    expect(() => client.job(a.jobId), "the released upload, ended two days ago, is forgotten").toThrow(expect.objectContaining({ code: "E_JOB_UNKNOWN" }));
    expect(client.usage().usedBytes).toBe(100 * KiB);
    // Room for a download into the cache: only by evicting the spool file the failed share's retry reads.
    const fetched = await client.fetch(other.reference).done.catch((e: unknown) => e);
    expect((fetched as StorageError).code).toBe("E_QUOTA_EXCEEDED");
    client.retry(b.id);
    const retried = (await client.job(b.id).done) as ShareResult;
    expect(retried.view.plaintextSize).toBe(100 * KiB);
  });
});
