/**
 * Jobs made within one millisecond (a file forwarded to several chats, an album fetched at once)
 * come back after a restart in the order they were made, not in the order of their random ids: a
 * user would see the sends complete out of order. The clock is frozen, so every job has the same
 * created_at; with eight jobs, the ids' order matches the order made once in 40,320 runs.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { openState } from "../../src/state/index.js";
import type { TransferJob } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";

const JOBS = 8;

/** Records the order in which jobs end. */
function endOrder(jobs: TransferJob<unknown>[]): { order: number[]; all: Promise<unknown> } {
  const order: number[] = [];
  const all = Promise.all(jobs.map((job, i) => job.done.then(() => order.push(i))));
  return { order, all };
}

/** The distinct created_at of a journal table's rows: one value when the clock stood still. */
async function createdTimes(statePath: string, table: "upload_jobs" | "download_jobs"): Promise<number[]> {
  const state = await openState({ path: statePath, level: 3, readOnly: true });
  try {
    return state.db.prepare(`SELECT DISTINCT created_at FROM ${table}`).pluck().all() as number[];
  } finally {
    state.close();
  }
}

describe("jobs made within one millisecond", () => {
  test("shares left queued by a stop resume, one at a time, in the order they were shared", async () => {
    const dir = tempDir("scc-same-ms-");
    const backend = localStore(join(dir, "store"));
    const statePath = join(dir, "state.sqlite");
    const dataDir = join(dir, "data");
    const frozen = Date.now();
    const clock = { now: (): number => frozen };
    const first = await startClient({ dir, backend, statePath, dataDir, jobsInFlight: 1, clock });
    // Two pieces each: none takes the small-job lane, so the one slot runs them in journal order.
    const paths = Array.from({ length: JOBS }, (_, i) => writeRandomFile(dir, `f${i}.bin`, 64 * KiB).path);
    const ids = paths.map((path) => first.client.share({ path }).id);
    // Stopped before any ran: all stay queued in the journal.
    await first.client.stop();

    expect(await createdTimes(statePath, "upload_jobs")).toEqual([frozen]);

    const { client } = await startClient({ dir, backend, statePath, dataDir, jobsInFlight: 1, clock });
    const { order, all } = endOrder(ids.map((id) => client.job(id) as TransferJob<unknown>));
    await all;
    expect(order).toEqual([...ids.keys()]);
  });

  test("fetches left queued by a stop resume, one at a time, in the order they were asked for", async () => {
    const dir = tempDir("scc-same-ms-");
    const backend = localStore(join(dir, "store"));
    const statePath = join(dir, "state.sqlite");
    const dataDir = join(dir, "data");
    const sharer = await startClient({ dir, backend, statePath: join(dir, "sharer.sqlite"), dataDir: join(dir, "sharer-data") });
    const views = [];
    for (let i = 0; i < JOBS; i++) views.push((await sharer.client.share({ path: writeRandomFile(dir, `f${i}.bin`, 64 * KiB).path }).done).view);
    await sharer.client.stop();

    const frozen = Date.now();
    const clock = { now: (): number => frozen };
    const first = await startClient({ dir, backend, statePath, dataDir, jobsInFlight: 1, clock });
    const outs = views.map((_, i) => join(dir, `out${i}.bin`));
    const ids = views.map((view, i) => first.client.fetch(view, { out: outs[i] }).id);
    await first.client.stop();

    expect(await createdTimes(statePath, "download_jobs")).toEqual([frozen]);

    const { client } = await startClient({ dir, backend, statePath, dataDir, jobsInFlight: 1, clock });
    const { order, all } = endOrder(ids.map((id) => client.job(id) as TransferJob<unknown>));
    await all;
    expect(order).toEqual([...ids.keys()]);
  });
});
