import { sameDigest, sha256 } from "../crypto/index.js";
import { backoffDelay, classifyFailure, linkedSignal, raceAbort, type RetryPolicy } from "../storage/index.js";
import { BridgeError } from "./bridge-error.js";
import { clockSleep, type BridgeClock } from "./clock.js";
import type { DescriptionStore } from "./description-store.js";

/** What a pointer says of the bytes it names. */
export interface FetchTarget {
  readonly cid: string;
  readonly size: number;
  /** sha256 of the stored bytes. */
  readonly contentHash: Uint8Array;
  /** For messages: the community and clock (never bytes or keys). */
  readonly what: string;
}

export interface FetchOutcome {
  readonly outcome: "ok" | "retry" | "mismatch" | "failed";
  readonly attempt: number;
  readonly code?: string;
}

export interface FetchOptions {
  readonly store: DescriptionStore;
  /** The storage layer's policy: maxAttempts, attemptTimeoutMs, deadlineMs and the full-jitter backoff are used. */
  readonly policy: RetryPolicy;
  readonly clock: BridgeClock;
  /** The receiver's close and a newer clock's cancellation. */
  readonly signal: AbortSignal;
  readonly random?: () => number;
  readonly onAttempt?: (outcome: FetchOutcome) => void;
}

/**
 * Fetches a pointer's description from the store and checks it is the pointer's: exactly `size`
 * bytes whose sha256 is `contentHash`. Attempts are retried under the storage layer's policy (the
 * same full-jitter backoff, per-attempt timeout and overall deadline a file's pieces get), on
 * `clock`'s timers (the timeouts are the storage layer's linkedSignal on `clock`, the backoff a
 * clockSleep). A store answer that will not change (a description of another size or hash: the CID
 * names content, so asking again gives the same bytes) fails at once with
 * E_BRIDGE_DESCRIPTION_MISMATCH; a missing CID is retried, since a node may not have the content
 * yet that the control node just stored elsewhere. Attempts spent or the deadline passed:
 * E_BRIDGE_FETCH_FAILED, the last failure as cause. The signal firing ends it with its reason.
 */
export async function fetchDescription(target: FetchTarget, options: FetchOptions): Promise<Uint8Array> {
  const { policy, clock, store } = options;
  const random = options.random ?? Math.random;
  const deadline = linkedSignal(options.signal, policy.deadlineMs, `fetch of ${target.what}`, clock);
  let last: unknown;
  try {
    for (let attempt = 0; attempt < policy.maxAttempts; attempt++) {
      if (attempt > 0) {
        try {
          await clockSleep(clock, backoffDelay(policy, attempt - 1, random()), deadline.signal);
        } catch {
          break;
        }
      }
      if (deadline.signal.aborted) break;
      const step = linkedSignal(deadline.signal, policy.attemptTimeoutMs, `fetch attempt ${attempt + 1} of ${target.what}`, clock);
      try {
        // Raced with its signal: a store stuck inside a get (its signal ignored) must not outlast the
        // attempt's timeout, nor hold a receiver's close() or a newer clock's cancellation.
        const bytes = await raceAbort(store.get(target.cid, { signal: step.signal, maxBytes: target.size }), step.signal);
        checkContent(target, bytes);
        options.onAttempt?.({ outcome: "ok", attempt: attempt + 1 });
        return bytes;
      } catch (error) {
        if (options.signal.aborted) throw options.signal.reason;
        if (error instanceof BridgeError && error.code === "E_BRIDGE_DESCRIPTION_MISMATCH") {
          options.onAttempt?.({ outcome: "mismatch", attempt: attempt + 1, code: error.code });
          throw error;
        }
        last = error;
        options.onAttempt?.({ outcome: "retry", attempt: attempt + 1, code: codeOf(error) });
        // A bug (no StorageError, and not our own timeout) is not worth another attempt.
        if (classifyFailure(error) === "fatal" && !step.signal.aborted && !isStoreError(error)) break;
      } finally {
        step.dispose();
      }
    }
  } finally {
    deadline.dispose();
  }
  if (options.signal.aborted) throw options.signal.reason;
  options.onAttempt?.({ outcome: "failed", attempt: policy.maxAttempts, code: codeOf(last) });
  throw new BridgeError(
    "E_BRIDGE_FETCH_FAILED",
    `could not fetch ${target.what} (${target.cid}) from the ${store.kind} store: retries or the ${policy.deadlineMs} ms deadline spent${last instanceof Error ? `; last: ${last.message}` : ""}`,
    { ...(last === undefined ? {} : { cause: last }), details: { cid: target.cid, store: store.kind, lastCode: codeOf(last) } },
  );
}

function checkContent(target: FetchTarget, bytes: Uint8Array): void {
  if (bytes.byteLength !== target.size || !sameDigest(sha256(bytes), target.contentHash)) {
    throw new BridgeError(
      "E_BRIDGE_DESCRIPTION_MISMATCH",
      `${target.what}: the store's ${target.cid} holds ${bytes.byteLength} bytes ${bytes.byteLength === target.size ? "whose sha256 is not the pointer's content_hash" : `where the pointer says ${target.size}`}; not used`,
      { details: { cid: target.cid, size: bytes.byteLength, expected: target.size } },
    );
  }
}

/** An error with a stable code (a layer's CompatError) came from the store; anything else is a bug. */
function isStoreError(error: unknown): boolean {
  return typeof (error as { code?: unknown } | null)?.code === "string";
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.name : "unknown";
}
