import { setTimeout as sleep } from "node:timers/promises";
import { abortedError } from "../abort-error.js";
import type { StorageBackend } from "../backend.js";
import { StorageError } from "../storage-error.js";
import type { EndpointPool } from "./endpoint-pool.js";
import { classifyFailure } from "./failure-kind.js";
import { linkedSignal } from "./linked-signal.js";
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
  for (let attempt = 0; ; attempt++) {
    if (ctx.signal.aborted) throw abortedError(ctx.signal.reason, ctx.what);
    const index = ctx.pool.pick(excluded, last);
    if (index === undefined) throw new StorageError("E_BACKEND_UNREACHABLE", `${ctx.what}: no endpoint left to try`);
    last = index;
    const attemptSignal = linkedSignal(ctx.signal, ctx.policy.attemptTimeoutMs, ctx.what);
    let error: unknown;
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
    if (excluded.size === ctx.pool.size || attempt + 1 >= ctx.policy.maxAttempts) throw error;
    // Failing over to a fresh endpoint needs no wait; retrying one that just failed does.
    const delayMs = kind === "next-endpoint" ? 0 : backoffDelay(ctx.policy, attempt, random());
    ctx.onRetry?.({ attempt: attempt + 1, endpoint: ctx.pool.at(index).location, code: (error as StorageError).code, delayMs });
    if (delayMs > 0) {
      try {
        await sleep(delayMs, undefined, { signal: ctx.signal });
      } catch {
        throw abortedError(ctx.signal.reason, ctx.what);
      }
    }
  }
}
