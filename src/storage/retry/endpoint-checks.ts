import { StorageError } from "../storage-error.js";
import type { EndpointPool } from "./endpoint-pool.js";
import { classifyFailure } from "./failure-kind.js";
import type { RetryPolicy } from "./retry-policy.js";

/** What the failed endpoint asked for (a gateway's Retry-After, in the error's details), within the policy's cap; 0 when nothing. */
export function retryAfterOf(error: unknown, policy: RetryPolicy): number {
  const asked = error instanceof StorageError ? error.details?.["retryAfterMs"] : undefined;
  return typeof asked === "number" && Number.isFinite(asked) && asked > 0 ? Math.min(asked, policy.maxRetryAfterMs) : 0;
}

/**
 * A call failed on the pool's endpoint `index` (a transfer's attempt in withRetries, or renewal's
 * and status()'s `has`): the pool hears of it the same way for all of them, a transient one
 * counting against the endpoint and a Retry-After cooling it down for every caller.
 */
export function noteEndpointFailure(pool: EndpointPool, policy: RetryPolicy, index: number, error: unknown): void {
  if (classifyFailure(error) === "retry") pool.failed(index, policy.failureMemoryMs);
  const askedMs = retryAfterOf(error, policy);
  if (askedMs > 0) pool.coolDown(index, askedMs);
}

/** Why endpoint `index` was not asked: it is cooling down (it answered with Retry-After); retryable, with the wait in details.retryAfterMs. */
export function coolingDownError(pool: EndpointPool, index: number, what: string): StorageError {
  const location = pool.at(index).location;
  const waitMs = pool.coolingFor(index);
  return new StorageError("E_BACKEND_HTTP", `${what}: ${location} asked to be called again in ${Math.ceil(waitMs / 1000)} s (Retry-After) and was not asked meanwhile; try again later.`, {
    details: { endpoint: location, retryAfterMs: waitMs },
  });
}
