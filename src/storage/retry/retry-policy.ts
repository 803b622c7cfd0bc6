import { describedValue } from "../../errors/index.js";

/**
 * How hard the client tries before a piece, and then its job, gives up. Delays are exponential with
 * full jitter (a uniformly random wait in [0, min(max, base·2^attempt)]), so many clients that
 * failed together do not retry together.
 */
export interface RetryPolicy {
  /** First backoff ceiling, ms. */
  readonly baseDelayMs: number;
  /** Largest backoff ceiling, ms. */
  readonly maxDelayMs: number;
  /** Attempts per piece (all endpoints together) before the piece fails. */
  readonly maxAttempts: number;
  /**
   * One attempt (one request and its whole body), ms: a Codex node can hang for minutes on a missing
   * block. A download counts it from its last chunk, an upload from the last bytes its transport
   * took (PutOptions.progress), so only a stall cuts it, never a slow link.
   */
  readonly attemptTimeoutMs: number;
  /** A whole job (all pieces, all retries), ms. */
  readonly deadlineMs: number;
  /**
   * The longest wait, ms, that an endpoint's Retry-After (a gateway answering 503 or 429) is honoured
   * for; a longer one (an hour's maintenance, a misconfigured proxy) is cut to this. 0 ignores
   * Retry-After (the backoff alone applies).
   */
  readonly maxRetryAfterMs: number;
  /**
   * A fetchStream whose consumer has held a chunk this long (a paused video) gives its stream slot
   * and read-ahead buffers up when another stream waits for a slot, and takes a slot again when read
   * (fetching its current piece again). 0: at once whenever another stream waits.
   */
  readonly pausedStreamYieldMs: number;
  /**
   * How long an endpoint's transient failure steers attempts (of every piece) away from it, ms;
   * doubled for each further failure before it works again, up to an hour. Then the client's own
   * order applies again, its first endpoint first (full mode's own node, a light client's home):
   * one blip must not move a session's uploads and renewals off it for good. 0: forgotten at once.
   */
  readonly failureMemoryMs: number;
  /**
   * A download's piece attempt still running after this long, ms, is asked of another endpoint too
   * when one is not measured as slower (unmeasured, or measured at least twice as fast as this
   * attempt so far): the first verified answer wins, the other is aborted; at most one such hedge
   * client-wide at a time. Absent or 0: never (full mode's default: its own node serves it).
   */
  readonly hedgeAfterMs?: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  baseDelayMs: 250,
  maxDelayMs: 15_000,
  maxAttempts: 10,
  attemptTimeoutMs: 60_000,
  deadlineMs: 30 * 60_000,
  maxRetryAfterMs: 5 * 60_000,
  pausedStreamYieldMs: 5_000,
  failureMemoryMs: 60_000,
  hedgeAfterMs: 0,
});

/** Light mode (mobile): links are flakier and endpoints several, so fail over sooner. */
export const LIGHT_RETRY_POLICY: RetryPolicy = Object.freeze({
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxAttempts: 12,
  attemptTimeoutMs: 45_000,
  deadlineMs: 30 * 60_000,
  maxRetryAfterMs: 5 * 60_000,
  pausedStreamYieldMs: 5_000,
  failureMemoryMs: 60_000,
  hedgeAfterMs: 1_000,
});

/** The wait before retry number `attempt` (0-based), given a uniform random number in [0, 1). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random * ceiling);
}

/** The longest a timer can wait: setTimeout and setInterval fire after 1 ms for anything longer. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function resolveRetryPolicy(base: RetryPolicy, overrides: Partial<RetryPolicy> | undefined): RetryPolicy {
  // A field given as undefined (an application's optional setting spread in) is not given, as for every other client option.
  const given = Object.entries(overrides ?? {}).filter(([, value]) => value !== undefined);
  const policy = { ...base, ...Object.fromEntries(given) };
  for (const [name, value] of Object.entries(policy)) {
    if (!Number.isFinite(value) || value < 0 || (name === "maxAttempts" && (value < 1 || !Number.isInteger(value)))) {
      // Text from a settings file ("60000") was said as 60000, a value in range to the reader.
      throw new RangeError(`retry policy ${name} must be a non-negative number (maxAttempts a whole number ≥ 1), not ${describedValue(value)}`);
    }
    // A time limit of 0, or past a timer's range, would fire at once and time every attempt or job out.
    if (name !== "maxAttempts" && (value > MAX_TIMER_MS || ((name === "attemptTimeoutMs" || name === "deadlineMs") && value < 1))) {
      throw new RangeError(`retry policy ${name} must be ${name === "attemptTimeoutMs" || name === "deadlineMs" ? "1" : "0"} to ${MAX_TIMER_MS} ms (about 24.8 days), not ${describedValue(value)}`);
    }
  }
  return Object.freeze(policy);
}
