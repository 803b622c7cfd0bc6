import { setTimeout as sleep } from "node:timers/promises";
import { abortedError } from "../abort-error.js";
import type { StorageBackend } from "../backend.js";
import { StorageError } from "../storage-error.js";
import { FASTER_BY, type EndpointPool, type TransferDirection } from "./endpoint-pool.js";
import { noteEndpointFailure, retryAfterOf } from "./endpoint-checks.js";
import { classifyFailure } from "./failure-kind.js";
import { hedgedAttempt, type AttemptOperation } from "./hedged-attempt.js";
import type { JobRemainder } from "./job-remainder.js";
import { linkedSignal, timeLeft, type LinkedSignal } from "./linked-signal.js";
import { backoffDelay, type RetryPolicy } from "./retry-policy.js";

export interface RetryEvent {
  readonly attempt: number;
  readonly endpoint: string;
  readonly code: string;
  readonly delayMs: number;
}

export interface RetryContext {
  readonly pool: EndpointPool;
  readonly policy: RetryPolicy;
  /** The job's signal: the caller, the client stopping, and the job deadline. */
  readonly signal: AbortSignal;
  /** What is being tried, for messages ("put of piece 3 of job …"). */
  readonly what: string;
  readonly random?: () => number;
  readonly onRetry?: (event: RetryEvent) => void;
  /**
   * What is left of the job this piece belongs to: a transfer is judged too slow when, at its rate,
   * the job would miss its deadline, not only the piece. Without it (renewal's single pieces), the piece alone.
   */
  readonly remainder?: JobRemainder;
  /** Which way the bytes go: endpoints' rates are compared only with rates measured the same way. Default "other". */
  readonly direction?: TransferDirection;
  /**
   * A download whose operation gives a hedged attempt (its 4th argument true) a buffer of its own:
   * an attempt running past policy.hedgeAfterMs may then be asked of another endpoint too (hedged-attempt.ts).
   */
  readonly hedge?: boolean;
  /**
   * Awaited before each attempt (`retry`: one after a failure), before its endpoint is picked: a
   * download's run may give its queue slot away there while its pieces stall (JobQueue's TakeTurn).
   */
  readonly beforeAttempt?: (retry: boolean) => Promise<void>;
}

/**
 * The endpoint an attempt failed on, by its error: a job's failed line names where (JobMachine),
 * and a backend's error does not always say (a Codex node's errors name it in their message only).
 * A side table, not a field: errors are frozen, and the same error may be a caller's own.
 */
const failedOn = new WeakMap<object, string>();

/** The location of the endpoint whose attempt threw `error` in withRetries, if one did. */
export function endpointOfFailure(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? failedOn.get(error) : undefined;
}

/**
 * Runs one operation (one piece up or down) until it succeeds, under the policy: per-attempt
 * timeout, backoff with full jitter between attempts, failover across endpoints, and no second
 * attempt on an endpoint that gave an answer it will give again. An operation that calls
 * `progress` (a download per chunk, an upload per slice its socket took) is cut only after attemptTimeoutMs without progress, so a
 * slow link still finishes; the job deadline bounds it as a whole (see slowTransferCheck for a
 * transfer, either way, too slow for it). An endpoint that answered with Retry-After (details.retryAfterMs) is
 * left alone by every caller of the pool for that long, capped by maxRetryAfterMs; with no other
 * endpoint the attempt waits for it, or fails at once when that is past the deadline.
 */
export async function withRetries<T>(
  ctx: RetryContext,
  operation: AttemptOperation<T>,
): Promise<T> {
  const random = ctx.random ?? Math.random;
  const excluded = new Set<number>();
  let last: number | undefined;
  let error: unknown;
  // An endpoint the application closed may hold what the others lack: giving up, this is the error
  // (E_CLIENT_CLOSED: resumed once it is open again), not the last other endpoint's "not found".
  let closed: unknown;
  let delayMs = 0;
  for (let attempt = 0; ; attempt++) {
    if (ctx.signal.aborted) throw abortedError(ctx.signal.reason, ctx.what);
    if (ctx.beforeAttempt !== undefined) {
      await ctx.beforeAttempt(attempt > 0);
      if (ctx.signal.aborted) throw abortedError(ctx.signal.reason, ctx.what);
    }
    const index = ctx.pool.pick(excluded, last, ctx.direction);
    if (index === undefined) throw new StorageError("E_BACKEND_UNREACHABLE", `${ctx.what}: no endpoint left to try`);
    // Every endpoint left asked to be left alone for a while: wait for the first one back, when the job has that long.
    const coolingMs = ctx.pool.coolingFor(index);
    if (coolingMs > timeLeft(ctx.signal)) throw pastDeadline(ctx, index, coolingMs, error);
    await pause(ctx, Math.max(delayMs, coolingMs));
    last = index;
    const tooSlow = new AbortController();
    // Aborted when a hedge of this attempt answered first.
    const lost = new AbortController();
    const attemptSignal = linkedSignal([ctx.signal, tooSlow.signal, lost.signal], ctx.policy.attemptTimeoutMs, ctx.what);
    const direction = ctx.direction ?? "other";
    const check = slowTransferCheck(ctx, ctx.pool.at(index).location, attemptSignal, tooSlow, (rate) => {
      // Too slow for its job, it leaves only for an endpoint not measured as slow: unmeasured, or FASTER_BY as fast.
      for (let other = 0; other < ctx.pool.size; other++) {
        if (other === index || excluded.has(other) || ctx.pool.coolingFor(other) > 0) continue;
        const known = ctx.pool.rateOf(other, direction);
        if (known === 0 || known >= FASTER_BY * rate) return true;
      }
      return false;
    });
    try {
      const won =
        ctx.hedge === true
          ? await hedgedAttempt(
              {
                pool: ctx.pool,
                policy: ctx.policy,
                signal: ctx.signal,
                what: ctx.what,
                direction,
                excluded,
                index,
                signalOfAttempt: attemptSignal.signal,
                progress: check.progress,
                lose: () => lost.abort(new DOMException(`${ctx.what}: another endpoint answered first`, "AbortError")),
                noteFailure: (other, failure) => noteOwnFailure(ctx, excluded, other, failure),
              },
              operation,
            )
          : { value: await operation(ctx.pool.at(index), attemptSignal.signal, check.progress, false), index };
      ctx.pool.worked(won.index);
      // Measured once it ran an attempt timeout; a piece moved quicker leaves the endpoint unmeasured (not known slow).
      if (won.index === index) ctx.pool.noteRate(index, direction, check.rate());
      return won.value;
    } catch (caught) {
      error = caught;
      // The endpoint's failure, not the caller's (an abort) nor the source's (E_SOURCE_CHANGED) nor a bug's.
      if (typeof caught === "object" && caught !== null && classifyFailure(caught) !== "fatal") failedOn.set(caught, ctx.pool.at(index).location);
      if (tooSlow.signal.aborted) ctx.pool.noteRate(index, direction, check.rate());
    } finally {
      attemptSignal.dispose();
    }
    // The job's own signal outranks whatever the backend made of it.
    if (ctx.signal.aborted) throw abortedError(ctx.signal.reason, ctx.what);
    const kind = classifyFailure(error);
    if (kind === "fatal") throw error;
    if ((error as StorageError).code === "E_CLIENT_CLOSED") closed ??= error;
    if (kind === "next-endpoint") {
      excluded.add(index);
      ctx.pool.answered(index);
    }
    // A transient failure counts against the endpoint, a Retry-After cools it down, for every caller of the pool.
    noteEndpointFailure(ctx.pool, ctx.policy, index, error);
    // Too slow to make the deadline there: this piece does not go back to it.
    if (tooSlow.signal.aborted) excluded.add(index);
    const askedMs = retryAfterOf(error, ctx.policy);
    if (excluded.size === ctx.pool.size || attempt + 1 >= ctx.policy.maxAttempts) throw closed ?? error;
    // Failing over to a fresh endpoint needs no wait (nor does leaving one that asked for a pause); retrying one that just failed does.
    const next = ctx.pool.pick(excluded, index, ctx.direction);
    if (next !== undefined && ctx.pool.coolingFor(next) > timeLeft(ctx.signal)) throw pastDeadline(ctx, next, ctx.pool.coolingFor(next), error);
    const fresh = next !== undefined && next !== index && ctx.pool.coolingFor(next) === 0;
    // Likewise leaving one that was too slow: the next endpoint is tried at once.
    delayMs = kind === "next-endpoint" || ((askedMs > 0 || tooSlow.signal.aborted) && fresh) ? 0 : backoffDelay(ctx.policy, attempt, random());
    const waitMs = Math.max(delayMs, next === undefined ? 0 : ctx.pool.coolingFor(next));
    ctx.onRetry?.({ attempt: attempt + 1, endpoint: ctx.pool.at(index).location, code: (error as StorageError).code, delayMs: waitMs });
  }
}

/**
 * An endpoint's own failure seen beside the attempt (a hedge's, or the attempt's when its hedge won):
 * noted as withRetries notes an attempt's, except that it neither ends the piece nor waits.
 */
function noteOwnFailure(ctx: RetryContext, excluded: Set<number>, index: number, error: unknown): void {
  const kind = classifyFailure(error);
  if (kind === "fatal" || ctx.signal.aborted) return;
  if (typeof error === "object" && error !== null) failedOn.set(error, ctx.pool.at(index).location);
  if (kind === "next-endpoint") {
    excluded.add(index);
    ctx.pool.answered(index);
  }
  noteEndpointFailure(ctx.pool, ctx.policy, index, error);
}

/**
 * What an operation reports as its transfer moves: any progress restarts the attempt timeout; a
 * download or upload also says how far it is (`done` of `total` bytes), for slowTransferCheck.
 */
export type Progress = (done?: number, total?: number) => void;

/**
 * The attempt's progress callback. Progress keeps a slow transfer going (a slow link is not a
 * stall), but one going so slowly that at its rate so far its job would end after the job's
 * deadline is cut (a TimeoutError, so retried) when another endpoint could serve it better, and the
 * piece does not go back there: a node streaming from a poor peer, or reading an upload at a
 * trickle, must not fail a job that another endpoint can take. The job is the piece's remainder
 * (RetryContext.remainder): the rest of this piece, and the job's other pieces still to move, at this
 * rate on each of the transfers the job runs at once (pieces on their way are counted whole, so the
 * estimate errs long); judged by this piece alone, each piece of a slow file fitted the deadline and
 * stayed until the deadline was nearly spent. Judged only after one attempt timeout's worth of
 * transfer, and never with nowhere better to go: no other endpoint, or only ones measured no faster
 * (a slow link is slow everywhere, and the deadline decides then). An upload's count includes what
 * the operating system buffered, so its rate looks better than it is at first; the estimate converges
 * as the attempt goes on. Only arithmetic per call, no timer. `rate()` is the rate it ran at once
 * judged (bytes per ms), 0 before.
 */
function slowTransferCheck(
  ctx: RetryContext,
  location: string,
  attempt: LinkedSignal,
  tooSlow: AbortController,
  betterElsewhere: (rate: number) => boolean,
): { progress: Progress; rate: () => number } {
  const started = performance.now();
  let measured = 0;
  const progress: Progress = (done, total) => {
    attempt.touch();
    if (done === undefined || total === undefined || done <= 0 || tooSlow.signal.aborted) return;
    const elapsed = performance.now() - started;
    if (elapsed < ctx.policy.attemptTimeoutMs) return;
    const rate = done / elapsed;
    measured = rate;
    if (done >= total) return;
    const pieceLeft = total - done;
    const others = ctx.remainder === undefined ? 0 : Math.max(0, ctx.remainder.bytesLeft - total);
    const parallel = ctx.remainder?.inFlight ?? 1;
    const needs = Math.max(pieceLeft / rate, (pieceLeft + others) / (rate * parallel));
    const left = timeLeft(ctx.signal);
    if (needs <= left || !betterElsewhere(rate)) return;
    const rest = others > 0 ? `, with ${others} bytes of the job's other pieces to move at that rate (${parallel} at a time)` : "";
    tooSlow.abort(
      new DOMException(
        `${ctx.what} on ${location} would need about ${seconds(needs)} more at its rate so far (${done} of ${total} bytes in ${seconds(elapsed)}, ${kibPerSecond(done, elapsed)} KiB/s)${rest}, but the deadline is ${seconds(left)} away; trying another endpoint`,
        "TimeoutError",
      ),
    );
  };
  return { progress, rate: () => measured };
}

async function pause(ctx: RetryContext, ms: number): Promise<void> {
  if (ms <= 0) return;
  try {
    await sleep(ms, undefined, { signal: ctx.signal });
  } catch {
    throw abortedError(ctx.signal.reason, ctx.what);
  }
}

/** The endpoint's requested pause outlasts the job: fail now rather than wait for the deadline to cut the wait. */
function pastDeadline(ctx: RetryContext, index: number, coolingMs: number, cause: unknown): StorageError {
  const location = ctx.pool.at(index).location;
  return new StorageError(
    "E_BACKEND_HTTP",
    `${ctx.what}: ${location} asked to be called again in ${seconds(coolingMs)} (Retry-After), past what is left of the deadline (${seconds(timeLeft(ctx.signal))}); try again later.` +
      (cause instanceof Error ? ` Last answer: ${cause.message}` : ""),
    { ...(cause === undefined ? {} : { cause }), details: { endpoint: location, retryAfterMs: coolingMs } },
  );
}

function kibPerSecond(bytes: number, ms: number): string {
  return (bytes / 1024 / (ms / 1000)).toFixed(1);
}

/** A wait or a duration as the messages give it: whole seconds, rounded up. */
function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)} s`;
}
