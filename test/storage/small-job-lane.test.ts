/**
 * A small file queued behind large ones: a photo sent after a video forwarded to many chats, a
 * voice note fetched while an album downloads. It must not wait for all of them (docs/storage.md,
 * "Many transfers at once"): one-piece jobs have a lane of their own. The large pieces are held
 * back at the store until the small job is done (or, when it never gets its turn, a bound runs out):
 * the order in which the jobs end is the proof, not their speed.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { TransferJob } from "../../src/storage/index.js";
import { gate } from "../support/gate.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "../support/until.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** How long the large pieces are held back at most when the small job never runs (a failing run ends, it does not hang). */
const HOLD_BOUND_MS = 5_000;

/** Records the order in which jobs end. */
function endOrder(jobs: { name: string; job: TransferJob<unknown> }[]): { order: string[]; all: Promise<unknown> } {
  const order: string[] = [];
  const all = Promise.all(jobs.map(({ name, job }) => job.done.then(() => order.push(name))));
  return { order, all };
}

/** Resolves when `job` is done, or after the bound: whichever comes first. */
function doneOrBound(job: TransferJob<unknown>): Promise<void> {
  return Promise.race([job.done.then(() => undefined), new Promise<void>((r) => setTimeout(r, HOLD_BOUND_MS).unref())]);
}

describe("a small job queued behind large ones", () => {
  test("a small share runs while large shares queued before it are held at the store", async () => {
    const dir = tempDir("scc-lane-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const { client } = await startClient({ dir, backend, jobsInFlight: 2, piecesInFlight: 2 });
    const held = gate();
    // A large file's pieces are 32 KiB sealed; the small file's one piece is 8 KiB.
    backend.beforePut = (bytes) => (bytes.byteLength > 16 * KiB ? held.wait : undefined);
    const large = [0, 1, 2, 3].map((i) => ({ name: `large${i}`, job: client.share({ path: writeRandomFile(dir, `l${i}.bin`, 128 * KiB).path }) as TransferJob<unknown> }));
    const small = { name: "small", job: client.share({ path: writeRandomFile(dir, "s.bin", 8 * KiB).path }) as TransferJob<unknown> };
    const { order, all } = endOrder([...large, small]);
    await doneOrBound(small.job);
    held.open();
    await all;
    expect(order[0], `end order ${order.join(", ")}`).toBe("small");
  });

  test("a small fetch runs while large fetches queued before it are held at the store", async () => {
    const dir = tempDir("scc-lane-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const { client } = await startClient({ dir, backend, jobsInFlight: 2, piecesInFlight: 2 });
    const views = [];
    for (let i = 0; i < 4; i++) views.push((await client.share({ path: writeRandomFile(dir, `l${i}.bin`, 128 * KiB).path }).done).view);
    const smallView = (await client.share({ path: writeRandomFile(dir, "s.bin", 8 * KiB).path }).done).view;
    const largeCids = new Set(views.flatMap((v) => v.pieces.map((p) => p.cid)));
    const held = gate();
    backend.beforeGet = (cid) => (largeCids.has(cid) ? held.wait : undefined);
    const large = views.map((view, i) => ({ name: `large${i}`, job: client.fetch(view, { out: join(dir, `out${i}.bin`) }) as TransferJob<unknown> }));
    const small = { name: "small", job: client.fetch(smallView, { out: join(dir, "out-small.bin") }) as TransferJob<unknown> };
    const { order, all } = endOrder([...large, small]);
    await doneOrBound(small.job);
    held.open();
    await all;
    expect(order[0], `end order ${order.join(", ")}`).toBe("small");
  });

  test("small jobs waiting do not take a large one's turn: the lane is one run, the slots stay first come, first served", async () => {
    const dir = tempDir("scc-lane-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const { client } = await startClient({ dir, backend, jobsInFlight: 1, piecesInFlight: 2 });
    const largeHeld = gate();
    const smallHeld = gate();
    backend.beforePut = (bytes) => (bytes.byteLength > 16 * KiB ? largeHeld.wait : smallHeld.wait);
    const share = (name: string, size: number): { name: string; job: TransferJob<unknown> } => ({ name, job: client.share({ path: writeRandomFile(dir, `${name}.bin`, size).path }) as TransferJob<unknown> });
    // large0 takes the slot, small0 the lane; large1 was queued before small1..3 and runs next.
    const jobs = [share("large0", 128 * KiB), share("large1", 128 * KiB), share("small0", 8 * KiB), share("small1", 8 * KiB), share("small2", 8 * KiB), share("small3", 8 * KiB)];
    const { order, all } = endOrder(jobs);
    try {
      await until(() => jobs[0]!.job.state === "uploading" && jobs[2]!.job.state === "uploading", "large0 and small0 to run");
      // Two runs at once with one slot: the lane's run is the only one beside it.
      expect(jobs.map((j) => j.job.state)).toEqual(["uploading", "queued", "uploading", "queued", "queued", "queued"]);
      largeHeld.open();
      await Promise.race([jobs[1]!.job.done, new Promise((r) => setTimeout(r, HOLD_BOUND_MS).unref())]);
    } finally {
      // A failing run ends here rather than holding the client's stop.
      largeHeld.open();
      smallHeld.open();
    }
    await all;
    expect(order.slice(0, 2), `end order ${order.join(", ")}`).toEqual(["large0", "large1"]);
  });

  test("after a restart the small job left queued behind large ones takes the lane too", async () => {
    const dir = tempDir("scc-lane-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const statePath = join(dir, "state.sqlite");
    const dataDir = join(dir, "data");
    // The journal resumes jobs by (created_at, id): shares made within one millisecond would come
    // back in the order of their random ids. A clock that moves on at every reading keeps the
    // journal's order the order they were shared in, which the large ones' end order then shows.
    let last = 0;
    const clock = { now: (): number => (last = Math.max(Date.now(), last + 1)) };
    const first = await startClient({ dir, backend, statePath, dataDir, jobsInFlight: 1, clock });
    const queued = [0, 1, 2].map((i) => first.client.share({ path: writeRandomFile(dir, `l${i}.bin`, 128 * KiB).path }));
    queued.push(first.client.share({ path: writeRandomFile(dir, "s.bin", 8 * KiB).path }));
    const ids = queued.map((j) => j.id);
    // Stopped before any ran: all four stay queued in the journal, in that order.
    await first.client.stop();
    const held = gate();
    backend.beforePut = (bytes) => (bytes.byteLength > 16 * KiB ? held.wait : undefined);
    const { client } = await startClient({ dir, backend, statePath, dataDir, jobsInFlight: 1, clock });
    const jobs = ids.map((id, i) => ({ name: i < 3 ? `large${i}` : "small", job: client.job(id) as TransferJob<unknown> }));
    const { order, all } = endOrder(jobs);
    try {
      await doneOrBound(jobs[3]!.job);
    } finally {
      held.open();
    }
    await all;
    expect(order, `end order ${order.join(", ")}`).toEqual(["small", "large0", "large1", "large2"]);
  });

  test("a small fetch in the lane takes the transfer memory still free while a large fetch waits for more", async () => {
    const dir = tempDir("scc-lane-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    // A large download's window (4 pieces of 32 KiB, sealed and open) is about 260 KiB: one fits, a
    // second waits for memory; the small one's (one 8 KiB piece) fits in what the first leaves.
    const { client } = await startClient({ dir, backend, jobsInFlight: 2, piecesInFlight: 4, transferMemoryBytes: 300 * KiB });
    const views = [];
    for (let i = 0; i < 3; i++) views.push((await client.share({ path: writeRandomFile(dir, `l${i}.bin`, 128 * KiB).path }).done).view);
    const smallView = (await client.share({ path: writeRandomFile(dir, "s.bin", 8 * KiB).path }).done).view;
    const largeCids = new Set(views.flatMap((v) => v.pieces.map((p) => p.cid)));
    const held = gate();
    backend.beforeGet = (cid) => (largeCids.has(cid) ? held.wait : undefined);
    const large = views.map((view, i) => ({ name: `large${i}`, job: client.fetch(view, { out: join(dir, `out${i}.bin`) }) as TransferJob<unknown> }));
    const small = { name: "small", job: client.fetch(smallView, { out: join(dir, "out-small.bin") }) as TransferJob<unknown> };
    const { order, all } = endOrder([...large, small]);
    try {
      await doneOrBound(small.job);
    } finally {
      held.open();
    }
    await all;
    expect(order[0], `end order ${order.join(", ")}`).toBe("small");
  });
});
