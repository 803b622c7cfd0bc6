import { setTimeout as sleep } from "node:timers/promises";

/** SQLite says another connection holds the lock it needs. */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

export type RetryOutcome<T> = { readonly kind: "done"; readonly value: T } | { readonly kind: "timeout" } | { readonly kind: "aborted"; readonly reason: unknown };

/**
 * Calls `attempt` until it returns something other than undefined (undefined means "busy, try
 * again"), sleeping 5 ms doubling to 100 ms between tries, without blocking the event loop.
 * better-sqlite3's own busy timeout would sleep inside the call and freeze the whole process.
 * At least one attempt is made, even with `timeoutMs` 0. `onWait` is called once, before the
 * first sleep.
 */
export async function retryWhileBusy<T>(
  attempt: () => T | undefined,
  options: { timeoutMs: number; signal?: AbortSignal | undefined; onWait?: () => void },
): Promise<RetryOutcome<T>> {
  const deadline = performance.now() + options.timeoutMs;
  let delay = 5;
  let waited = false;
  for (;;) {
    if (options.signal?.aborted === true) return { kind: "aborted", reason: options.signal.reason };
    const value = attempt();
    if (value !== undefined) return { kind: "done", value };
    const remaining = deadline - performance.now();
    if (remaining <= 0) return { kind: "timeout" };
    if (!waited) options.onWait?.();
    waited = true;
    try {
      await sleep(Math.min(delay, remaining), undefined, { signal: options.signal });
    } catch {
      return { kind: "aborted", reason: options.signal?.reason };
    }
    delay = Math.min(delay * 2, 100);
  }
}
