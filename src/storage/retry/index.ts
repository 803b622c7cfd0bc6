export { DEFAULT_RETRY_POLICY, LIGHT_RETRY_POLICY, MAX_TIMER_MS, backoffDelay, resolveRetryPolicy } from "./retry-policy.js";
export type { RetryPolicy } from "./retry-policy.js";
export { classifyFailure } from "./failure-kind.js";
export type { FailureKind } from "./failure-kind.js";
export { EndpointPool } from "./endpoint-pool.js";
export { linkedSignal, clientClosedReason, inheritTimeLeft, timeLeft } from "./linked-signal.js";
export type { LinkedSignal } from "./linked-signal.js";
export { withRetries } from "./with-retries.js";
export type { Progress, RetryContext, RetryEvent } from "./with-retries.js";
