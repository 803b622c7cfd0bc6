import { setTimeout as sleep } from "node:timers/promises";
import { abortedError } from "../abort-error.js";
import type { StorageBackend } from "../backend.js";
import { StorageError } from "../storage-error.js";
import type { EndpointPool } from "./endpoint-pool.js";
import { classifyFailure } from "./failure-kind.js";
import { linkedSignal, timeLeft } from "./linked-signal.js";
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
}

/**
 * Runs one operation (one piece up or down) until it succeeds, under the policy: per-attempt
 * timeout, backoff with full jitter between attempts, failover across endpoints, and no second
 * attempt on an endpoint that gave an answer it will give again. An operation that calls
 * `progress` (a download per chunk, an upload per slice its socket took) is cut only after attemptTimeoutMs without progress, so a
 * slow link still finishes; the job deadline bounds it as a whole.
 */
export async function withRetries<T>(
  ctx: RetryContext,
  operation: (backend: StorageBackend, signal: AbortSignal, progress: () => void) => Promise<T>,
): Promise<T> {
  const random = ctx.random ?? Math.random;
  const excluded = new Set<number>();
  let last: number | undefined;
  let error: unknown;
  let delayMs = 0;
  for (let attempt = 0; ; attempt++) {
    if (ctx.signal.aborted) throw abortedError(ctx.signal.reason, ctx.what);
    const index = ctx.pool.pick(excluded, last);
    if (index === undefined) throw new StorageError("E_BACKEND_UNREACHABLE", `${ctx.what}: no endpoint left to try`);
    // Every endpoint left asked to be left alone for a while: wait for the first one back, when the job has that long.
    const coolingMs = ctx.pool.coolingFor(index);
    if (coolingMs > timeLeft(ctx.signal)) throw pastDeadline(ctx, index, coolingMs, error);
    await pause(ctx, Math.max(delayMs, coolingMs));
    last = index;
    const attemptSignal = linkedSignal(ctx.signal, ctx.policy.attemptTimeoutMs, ctx.what);
    try {
      const result = await operation(ctx.pool.at(index), attemptSignal.signal, attemptSignal.touch);
      ctx.pool.worked(index);
      return result;
    } catch (caught) {
      error = caught;
    } finally {
      attemptSignal.dispose();
    }
    // The job's own signal outranks whatever the backend made of it.
    if (ctx.signal.aborted) throw abortedError(ctx.signal.reason, ctx.what);
    const kind = classifyFailure(error);
    if (kind === "fatal") throw error;
    if (kind === "next-endpoint") excluded.add(index);
    else ctx.pool.failed(index);
    const askedMs = retryAfterOf(error, ctx.policy);
    if (askedMs > 0) ctx.pool.coolDown(index, askedMs);
    if (excluded.size === ctx.pool.size || attempt + 1 >= ctx.policy.maxAttempts) throw error;
    // Failing over to a fresh endpoint needs no wait (nor does leaving one that asked for a pause); retrying one that just failed does.
    const next = ctx.pool.pick(excluded, index);
    if (next !== undefined && ctx.pool.coolingFor(next) > timeLeft(ctx.signal)) throw pastDeadline(ctx, next, ctx.pool.coolingFor(next), error);
    const fresh = next !== undefined && next !== index && ctx.pool.coolingFor(next) === 0;
    delayMs = kind === "next-endpoint" || (askedMs > 0 && fresh) ? 0 : backoffDelay(ctx.policy, attempt, random());
    const waitMs = Math.max(delayMs, next === undefined ? 0 : ctx.pool.coolingFor(next));
    ctx.onRetry?.({ attempt: attempt + 1, endpoint: ctx.pool.at(index).location, code: (error as StorageError).code, delayMs: waitMs });
  }
}

/** What the failed endpoint asked for (a gateway's Retry-After, in the error's details), within the policy's cap; 0 when nothing. */
function retryAfterOf(error: unknown, policy: RetryPolicy): number {
  const asked = (error as StorageError).details?.["retryAfterMs"];
  return typeof asked === "number" && Number.isFinite(asked) && asked > 0 ? Math.min(asked, policy.maxRetryAfterMs) : 0;
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
  const seconds = (ms: number): string => `${Math.ceil(ms / 1000)} s`;
  return new StorageError(
    "E_BACKEND_HTTP",
    `${ctx.what}: ${location} asked to be called again in ${seconds(coolingMs)} (Retry-After), past what is left of the deadline (${seconds(timeLeft(ctx.signal))}); try again later.` +
      (cause instanceof Error ? ` Last answer: ${cause.message}` : ""),
    { ...(cause === undefined ? {} : { cause }), details: { endpoint: location, retryAfterMs: coolingMs } },
  );
}
