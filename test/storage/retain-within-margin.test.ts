import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { StorageBackend } from "../../src/storage/backend.js";
import type { StorageClientOptions } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const TTL = 30 * DAY;
/** The default interval: a timer run every 6 h, counted from the start. */
const EVERY = 6 * HOUR;

/** A gate a put waits at: `reached` settles once a put waits there, `open()` lets it (and every later put) through. */
function gate(): { reached: Promise<void>; open(): void; wait(): Promise<void> } {
  let reach!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    reached,
    open,
    wait: () => {
      reach();
      return opened;
    },
  };
}

/**
 * A client whose pieces were shared at `start`, on an injected clock, its renewal timer on (6 h)
 * unless `renewEveryMs` says otherwise. `files` names the files shared (100 KiB each: 4 pieces).
 */
async function setUp(files: readonly string[], overrides: Partial<StorageClientOptions> = {}) {
  const dir = tempDir();
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const clock = { t: Date.UTC(2026, 0, 1) };
  const options = { dir, backend: backend as StorageBackend, clock: { now: () => clock.t }, renewEveryMs: EVERY, ...overrides };
  const setup = await startClient(options);
  const shared = [];
  for (const name of files) shared.push(await setup.client.share({ path: writeRandomFile(dir, name, 100 * KiB).path }).done);
  return { ...setup, options, backend, clock, shared, start: clock.t };
}

/**
 * A released reference taken back with less time left than the interval to the next renewal run
 * (a delete undone two hours before its pieces' TTL ends, the timer's next run up to six hours
 * away): the pieces must not wait for that run, or the file the user just restored is gone for
 * every receiver although retain() succeeded.
 */
describe("retain() of pieces inside the renewal margin", () => {
  test("starts a renewal run at once (the application's renewDue() then finds nothing due), and status() says expiring until it renewed them, then available", async () => {
    const { client, backend, clock, shared, start } = await setUp(["a.pdf"]);
    const [file] = shared as [(typeof shared)[number]];
    client.release(file.reference);
    clock.t = start + TTL - 2 * HOUR;
    const held = gate();
    backend.beforePut = () => held.wait();
    const puts = backend.puts;
    client.retain(file.reference);
    // Not renewed yet (the run's first put waits at the gate): the journal's expiry, inside the margin.
    expect(await client.status(file.reference)).toEqual({ state: "expiring", expiresAt: start + TTL });
    held.open();
    // renewDue() takes its turn after the run in progress: the run retain() began renewed every piece.
    const report = await client.renewDue();
    expect(report).toEqual({ renewed: [], failed: [] });
    expect(backend.puts - puts).toBe(file.view.pieces.length);
    expect(await client.status(file.reference)).toEqual({ state: "available", expiresAt: clock.t + TTL });
  });

  test("retained while the timer's run is under way (its pieces listed before): a run after it renews them, never alongside it", async () => {
    const first = await setUp(["kept.pdf", "taken-back.pdf"]);
    const [kept, takenBack] = first.shared as [(typeof first.shared)[number], (typeof first.shared)[number]];
    first.client.release(takenBack.reference);
    await first.client.stop();
    first.clock.t = first.start + TTL - 2 * HOUR;
    const keptCids = new Set(kept.view.pieces.map((p) => p.cid));
    const held = gate();
    const order: string[] = [];
    // The start's run renews `kept` (4 due pieces): its first put waits at the gate.
    first.backend.beforePut = async () => {
      order.push("put");
      await held.wait();
    };
    first.backend.beforeGet = (cid) => {
      order.push(keptCids.has(cid) ? "kept" : "taken-back");
    };
    const { client } = await startClient(first.options);
    await held.reached;
    client.retain(takenBack.reference);
    // Let a run that wrongly began alongside reach the network.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    const before = order.length;
    held.open();
    const report = await client.renewDue();
    expect(report, "renewed by the runs before it").toEqual({ renewed: [], failed: [] });
    expect(order.slice(0, before).every((what) => what !== "taken-back"), "nothing of the retained file read while the listed run was held").toBe(true);
    // Every read back of `kept` comes before the first of `taken-back`: one run after the other.
    const lastKept = order.lastIndexOf("kept");
    expect(order.indexOf("taken-back")).toBeGreaterThan(lastKept);
    expect(order.filter((what) => what === "taken-back")).toHaveLength(takenBack.view.pieces.length);
    expect(await client.status(takenBack.reference)).toMatchObject({ state: "available" });
    expect(await client.status(kept.reference)).toMatchObject({ state: "available" });
  });

  test("a run that cannot renew them (every endpoint down): retain() still succeeds, status() says expiring, then expired once the expiry passed", async () => {
    const { client, backend, clock, shared, start } = await setUp(["a.pdf"], { retry: { baseDelayMs: 1, maxDelayMs: 2, attemptTimeoutMs: 5_000, deadlineMs: 60_000, maxAttempts: 2 } });
    const [file] = shared as [(typeof shared)[number]];
    client.release(file.reference);
    clock.t = start + TTL - 2 * HOUR;
    backend.beforePut = () => {
      throw unreachable("local");
    };
    backend.beforeGet = () => {
      throw unreachable("local");
    };
    client.retain(file.reference);
    // The run retain() began failed them (they stay due); this run fails them too.
    const report = await client.renewDue();
    expect(report.renewed).toEqual([]);
    expect(await client.status(file.reference)).toEqual({ state: "expiring", expiresAt: start + TTL });
    clock.t = start + TTL + 1;
    expect(await client.status(file.reference)).toEqual({ state: "expired", expiresAt: start + TTL });
  });

  test("stopped before that run renewed them: stop() settles, and the next start's run renews them, as any referenced piece", async () => {
    const first = await setUp(["a.pdf"]);
    const [file] = first.shared as [(typeof first.shared)[number]];
    first.client.release(file.reference);
    first.clock.t = first.start + TTL - 2 * HOUR;
    const puts = first.backend.puts;
    first.client.retain(file.reference);
    await first.client.stop();
    const { client } = await startClient(first.options);
    expect(await client.renewDue(), "the start's run renewed them").toEqual({ renewed: [], failed: [] });
    expect(first.backend.puts - puts).toBe(file.view.pieces.length);
    expect(await client.status(file.reference)).toEqual({ state: "available", expiresAt: first.clock.t + TTL });
  });

  test("with the renewal timer off (the application drives renewal) no run starts on its own: status() says expiring and the application's renewDue() renews them", async () => {
    const { client, backend, clock, shared, start } = await setUp(["a.pdf"], { renewEveryMs: 0 });
    const [file] = shared as [(typeof shared)[number]];
    client.release(file.reference);
    clock.t = start + TTL - 2 * HOUR;
    const puts = backend.puts;
    client.retain(file.reference);
    expect(await client.status(file.reference)).toEqual({ state: "expiring", expiresAt: start + TTL });
    expect(backend.puts).toBe(puts);
    const report = await client.renewDue();
    expect(report.renewed.sort()).toEqual(file.view.pieces.map((p) => p.cid).sort());
  });
});
