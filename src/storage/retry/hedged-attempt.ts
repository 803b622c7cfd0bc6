import type { StorageBackend } from "../backend.js";
import { FASTER_BY, type EndpointPool, type TransferDirection } from "./endpoint-pool.js";
import { linkedSignal } from "./linked-signal.js";
import type { RetryPolicy } from "./retry-policy.js";
import { systemTimers } from "./timer-port.js";

/** What an operation reports as its transfer moves (withRetries' Progress). */
type Progress = (done?: number, total?: number) => void;

/** One attempt; `hedge`: it runs beside another attempt of the same piece (it must not share that one's buffer). */
export type AttemptOperation<T> = (backend: StorageBackend, signal: AbortSignal, progress: Progress, hedge: boolean) => Promise<T>;

export interface HedgeSetup {
  readonly pool: EndpointPool;
  readonly policy: RetryPolicy;
  /** The piece's signal (the job's): a hedge ends with it. */
  readonly signal: AbortSignal;
  readonly what: string;
  readonly direction: TransferDirection;
  /** Endpoints this piece does not go to (they answered it will not do); a hedge that gets such an answer joins them. */
  readonly excluded: Set<number>;
  /** The attempt's endpoint, its signal and progress (withRetries'), and how to abort it when a hedge wins. */
  readonly index: number;
  readonly signalOfAttempt: AbortSignal;
  readonly progress: Progress;
  lose(): void;
  /** An endpoint's own failure seen here (a hedge's, or the attempt's when the hedge won): withRetries notes it as its own. */
  noteFailure(index: number, error: unknown): void;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

interface HedgeRun<T> {
  readonly index: number;
  readonly outcome: Promise<Settled<T>>;
  readonly started: number;
  done: number;
  settled: boolean;
  abortedByUs: boolean;
  abort(): void;
}

/**
 * One attempt at a piece, hedged when the policy says (hedgeAfterMs > 0, light mode) and the pool
 * has another endpoint: a steady slow endpoint is neither a failure nor a stall, so failover never
 * left it, and every piece of a file ran there while a fast endpoint idled. Once the attempt has run
 * hedgeAfterMs, the piece is asked too of an endpoint not measured as slower (unmeasured, or measured
 * at least twice as fast as this attempt so far), with no failure remembered and not cooling down;
 * the first verified answer wins and the other is aborted (awaited first: the loser must stop
 * writing before its buffer is reused). At most one hedge per attempt, and EndpointPool.takeHedge
 * bounds them client-wide, so a link slow everywhere is not doubled. Either way each endpoint's
 * throughput is noted (the winner's to its end, a loser's until it lost), and the pool ranks
 * downloads by it (EndpointPool.pick), so the next pieces start on the faster one.
 */
export async function hedgedAttempt<T>(setup: HedgeSetup, operation: AttemptOperation<T>): Promise<{ value: T; index: number }> {
  const { pool, policy, index, direction } = setup;
  const afterMs = policy.hedgeAfterMs ?? 0;
  if (!(afterMs > 0) || pool.size < 2) return { value: await operation(pool.at(index), setup.signalOfAttempt, setup.progress, false), index };
  const started = performance.now();
  let primaryDone = 0;
  let due = false;
  let primarySettled = false;
  let hedge: HedgeRun<T> | undefined;
  let markBegan: () => void = () => undefined;
  const began = new Promise<void>((resolve) => (markBegan = resolve));
  const look = (): void => {
    if (!due || hedge !== undefined || primarySettled || setup.signal.aborted) return;
    const target = hedgeTarget(setup, primaryDone / Math.max(1, performance.now() - started));
    if (target === undefined || !pool.takeHedge()) return;
    hedge = runHedge(setup, target, operation);
    markBegan();
  };
  const progress: Progress = (done, total) => {
    if (done !== undefined) primaryDone = done;
    setup.progress(done, total);
    look();
  };
  const cancelTimer = systemTimers.setTimer(afterMs, () => {
    due = true;
    look();
  });
  const stopWaiting = pool.whenHedgeFree(look);
  const primary = settle(operation(pool.at(index), setup.signalOfAttempt, progress, false)).then((outcome) => {
    primarySettled = true;
    return outcome;
  });
  try {
    await Promise.race([primary, began]);
  } finally {
    cancelTimer();
    stopWaiting();
  }
  const run = hedge as HedgeRun<T> | undefined;
  if (run === undefined) {
    const outcome = await primary;
    if (!outcome.ok) throw outcome.error;
    pool.noteThroughput(index, direction, primaryDone, performance.now() - started);
    return { value: outcome.value, index };
  }
  const winner = await firstOk(primary, run.outcome);
  if (winner === "hedge") {
    // Its own failure before the hedge won counts; the abort that makes it lose does not.
    const failedBefore = primarySettled;
    setup.lose();
    const lost = await primary;
    if (!lost.ok && failedBefore) setup.noteFailure(index, lost.error);
    pool.noteThroughput(index, direction, primaryDone, performance.now() - started);
    const won = (await run.outcome) as { ok: true; value: T };
    pool.worked(run.index);
    pool.noteThroughput(run.index, direction, run.done, performance.now() - run.started);
    return { value: won.value, index: run.index };
  }
  if (winner === "primary") run.abort();
  const hedged = await run.outcome;
  if (!hedged.ok && !run.abortedByUs) setup.noteFailure(run.index, hedged.error);
  // A hedge cut before it had a fair run (hedgeAfterMs) says little of its endpoint: left unmeasured.
  if (run.abortedByUs && performance.now() - run.started >= afterMs) pool.noteThroughput(run.index, direction, run.done, performance.now() - run.started);
  const outcome = await primary;
  if (!outcome.ok) throw outcome.error;
  pool.noteThroughput(index, direction, primaryDone, performance.now() - started);
  return { value: outcome.value, index };
}

/** The endpoint a hedge of this attempt goes to, if any: the fastest measured well above it, else the first unmeasured in the client's order. */
function hedgeTarget(setup: HedgeSetup, rateSoFar: number): number | undefined {
  const { pool, excluded, index, direction } = setup;
  // Faster than this attempt so far and than its endpoint as measured: a fast endpoint's piece that is late (a loaded
  // moment) is not asked of one known slower, which would lose the race and double the bytes for nothing.
  const floor = FASTER_BY * Math.max(rateSoFar, pool.throughputOf(index, direction));
  let fastest: number | undefined;
  let unmeasured: number | undefined;
  for (const other of pool.inOrder()) {
    if (other === index || excluded.has(other) || pool.coolingFor(other) > 0 || pool.failuresNow(other) > 0) continue;
    const rate = pool.throughputOf(other, direction);
    if (rate === 0) unmeasured ??= other;
    else if (rate >= floor && (fastest === undefined || rate > pool.throughputOf(fastest, direction))) fastest = other;
  }
  return fastest ?? unmeasured;
}

function runHedge<T>(setup: HedgeSetup, index: number, operation: AttemptOperation<T>): HedgeRun<T> {
  const controller = new AbortController();
  const attempt = linkedSignal([setup.signal, controller.signal], setup.policy.attemptTimeoutMs, `${setup.what} (hedged)`);
  const run: HedgeRun<T> = {
    index,
    started: performance.now(),
    done: 0,
    settled: false,
    abortedByUs: false,
    abort() {
      // One that already ended (a failure of its own, or an answer just too late) was not cut by us.
      if (run.settled) return;
      run.abortedByUs = true;
      controller.abort(new DOMException(`${setup.what}: another endpoint answered first`, "AbortError"));
    },
    outcome: undefined as unknown as Promise<Settled<T>>,
  };
  const progress: Progress = (done) => {
    attempt.touch();
    if (done !== undefined) run.done = done;
  };
  (run as { outcome: Promise<Settled<T>> }).outcome = settle(
    Promise.resolve().then(() => operation(setup.pool.at(index), attempt.signal, progress, true)),
  ).then((outcome) => {
    run.settled = true;
    attempt.dispose();
    setup.pool.endHedge();
    return outcome;
  });
  return run;
}

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** Which of the two answered first with a value; undefined when both failed. */
function firstOk<T>(primary: Promise<Settled<T>>, hedge: Promise<Settled<T>>): Promise<"primary" | "hedge" | undefined> {
  return new Promise((resolve) => {
    let failed = 0;
    const on = (name: "primary" | "hedge") => (outcome: Settled<T>) => {
      if (outcome.ok) resolve(name);
      else if (++failed === 2) resolve(undefined);
    };
    void primary.then(on("primary"));
    void hedge.then(on("hedge"));
  });
}
