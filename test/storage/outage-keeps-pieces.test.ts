/**
 * A download that runs out of retries in an outage (offline, every endpoint down) had its temp file
 * and verified pieces removed with the failure, where one cut by its job deadline keeps them: on a
 * flaky mobile link every retry started a 50 MiB file over, and it might never arrive. It now keeps
 * them (its error keeps its code and ends with the kept-pieces mark): retry() or the next start
 * fetches only the others. Bounded: a run that verified nothing more keeps them only within a day
 * (OUTAGE_KEEP_MS) of the latest verified piece; one that never verified any keeps nothing.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { OUTAGE_KEEP_MS } from "../../src/storage/download/run-download.js";
import { StorageError, type FetchResult } from "../../src/storage/index.js";
import { FAST_RETRY, SMALL_PIECES, sha256Hex, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";

const PIECES = 8;
const RETRY = { ...FAST_RETRY, maxAttempts: 3 };

/** A file shared on its own store, and a store in front of it that goes down after `upFor` gets (or when told). */
async function flakyLink(upFor: number): Promise<{ reference: Uint8Array; bytes: Buffer; store: InstrumentedBackend; link: { up: boolean } }> {
  const sender = await startClient();
  const { path, bytes } = writeRandomFile(sender.dir, "video.mp4", PIECES * SMALL_PIECES.pieceSize);
  const { reference } = await sender.client.share({ path }).done;
  const store = new InstrumentedBackend(sender.backend);
  const link = { up: true };
  let served = 0;
  store.beforeGet = () => {
    if (link.up && served < upFor) {
      served++;
      return;
    }
    link.up = false;
    throw unreachable("the node");
  };
  return { reference, bytes, store, link };
}

function keptOf(error: StorageError): number | undefined {
  return (error.details as { keptPieces?: number } | undefined)?.keptPieces;
}

const parts = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith(".part"));

describe("a download out of retries in an outage", () => {
  test("keeps its verified pieces: the next start resumes it and fetches only the others", async () => {
    const { reference, bytes, store, link } = await flakyLink(4);
    const setup = await startClient({ backend: store, piecesInFlight: 1, retry: RETRY });
    const out = join(setup.dir, "video.mp4");
    const job = setup.client.fetch(reference, { out });
    const error = (await job.done.catch((e: unknown) => e)) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code, error.message).toBe("E_BACKEND_UNREACHABLE");
    expect(keptOf(error), error.message).toBe(4);
    expect(existsSync(out)).toBe(false);
    expect(parts(setup.dir)).toHaveLength(1);
    await setup.client.stop();

    // The network is back when the app starts again.
    link.up = true;
    store.beforeGet = undefined;
    const before = store.gets;
    const again = await startClient({ dir: setup.dir, backend: store, statePath: setup.statePath, dataDir: setup.dataDir, retry: RETRY });
    const result = (await again.client.job(job.id).done) as FetchResult;
    expect(sha256Hex(readFileSync(result.path))).toBe(sha256Hex(bytes));
    expect(store.gets - before, "pieces fetched by the resume").toBe(PIECES - 4);
  });

  test("retry() in the same session fetches only the pieces it lacks", async () => {
    const { reference, bytes, store } = await flakyLink(3);
    const { client, dir } = await startClient({ backend: store, piecesInFlight: 1, retry: RETRY });
    const job = client.fetch(reference, { out: join(dir, "video.mp4") });
    expect(keptOf((await job.done.catch((e: unknown) => e)) as StorageError)).toBe(3);
    store.beforeGet = undefined;
    const before = store.gets;
    const result = (await client.retry(job.id).done) as FetchResult;
    expect(sha256Hex(readFileSync(result.path))).toBe(sha256Hex(bytes));
    expect(store.gets - before).toBe(PIECES - 3);
  });

  test("a run still offline keeps them within a day of the last verified piece, and drops them once a run fails past it", async () => {
    const clock = { t: Date.now() };
    const { reference, bytes, store } = await flakyLink(2);
    const first = await startClient({ backend: store, piecesInFlight: 1, retry: RETRY, clock: { now: () => clock.t } });
    const paths = { dir: first.dir, statePath: first.statePath, dataDir: first.dataDir };
    const job = first.client.fetch(reference, { out: join(first.dir, "video.mp4") });
    expect(keptOf((await job.done.catch((e: unknown) => e)) as StorageError)).toBe(2);
    await first.client.stop();

    // Still offline an hour later: the resume verifies nothing more, and keeps the two.
    clock.t += 60 * 60 * 1000;
    const second = await startClient({ ...paths, backend: store, retry: RETRY, clock: { now: () => clock.t } });
    const offline = (await second.client.job(job.id).done.catch((e: unknown) => e)) as StorageError;
    expect(offline.code, offline.message).toBe("E_BACKEND_UNREACHABLE");
    expect(keptOf(offline)).toBe(2);
    expect(parts(first.dir)).toHaveLength(1);
    await second.client.stop();

    // Still offline past a day after the last piece: that run keeps nothing, and the next start leaves the job failed.
    clock.t += OUTAGE_KEEP_MS;
    const third = await startClient({ ...paths, backend: store, retry: RETRY, clock: { now: () => clock.t } });
    const given = (await third.client.job(job.id).done.catch((e: unknown) => e)) as StorageError;
    expect(given.code).toBe("E_BACKEND_UNREACHABLE");
    expect(keptOf(given)).toBeUndefined();
    expect(parts(first.dir)).toEqual([]);
    await third.client.stop();
    store.beforeGet = undefined;
    const fourth = await startClient({ ...paths, backend: store, retry: RETRY, clock: { now: () => clock.t } });
    expect(fourth.client.jobs().find((j) => j.id === job.id)?.state).toBe("failed");
    // Its retry starts over and still gets the file.
    const result = (await fourth.client.retry(job.id).done) as FetchResult;
    expect(sha256Hex(readFileSync(result.path))).toBe(sha256Hex(bytes));
  });

  test("a run that never verified a piece keeps nothing: no temp file stays and the next start does not resume it", async () => {
    const { reference, store } = await flakyLink(0);
    const setup = await startClient({ backend: store, piecesInFlight: 1, retry: RETRY });
    const job = setup.client.fetch(reference, { out: join(setup.dir, "video.mp4") });
    const error = (await job.done.catch((e: unknown) => e)) as StorageError;
    expect(error.code).toBe("E_BACKEND_UNREACHABLE");
    expect(keptOf(error)).toBeUndefined();
    expect(parts(setup.dir)).toEqual([]);
    await setup.client.stop();
    const again = await startClient({ dir: setup.dir, backend: store, statePath: setup.statePath, dataDir: setup.dataDir, retry: RETRY });
    expect(again.client.jobs().find((j) => j.id === job.id)?.state).toBe("failed");
  });
});
