import { EXIT_INTERRUPTED } from "../exit-codes.js";

/** How a transfer the CLI waits on ended: its result, or the signal that asked the command to stop. */
export type Outcome<R> = { readonly kind: "done"; readonly value: R } | { readonly kind: "interrupted"; readonly signal: NodeJS.Signals };

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** The status of a command stopped by `signal` (130 for SIGINT); the process entry then re-raises it. */
export function interruptedStatus(signal: NodeJS.Signals): number {
  return signal === "SIGTERM" ? EXIT_INTERRUPTED.SIGTERM : EXIT_INTERRUPTED.SIGINT;
}

/**
 * Waits for `done`, or for Ctrl-C (SIGINT) or SIGTERM, whichever comes first. On a signal it calls
 * `stop` (the client's: it keeps the job in the journal to resume and removes what a write in
 * flight had started; dying at once would skip that, and the metrics the command writes at its
 * end), then looks at `done` again: a job already past its last check finishes even when stopped,
 * and is reported done, not as interrupted. The handlers are only there while waiting: a second
 * Ctrl-C during the stop ends the process at once, as the user asked.
 */
export async function doneOrInterrupted<R>(done: Promise<R>, stop: () => Promise<void>): Promise<Outcome<R>> {
  let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
  const interrupted = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
  });
  const handlers = SIGNALS.map((signal) => [signal, () => onSignal?.(signal)] as const);
  for (const [signal, handler] of handlers) process.once(signal, handler);
  const finished = done.then((value): Outcome<R> => ({ kind: "done", value }));
  // Once interrupted, `done` may reject when the client stops; that is read below, not thrown.
  finished.catch(() => undefined);
  let signal: NodeJS.Signals;
  try {
    const first = await Promise.race([finished, interrupted]);
    if (typeof first !== "string") return first;
    signal = first;
  } finally {
    for (const [s, handler] of handlers) process.off(s, handler);
  }
  await stop();
  const [settled] = await Promise.allSettled([finished]);
  return settled.status === "fulfilled" ? settled.value : { kind: "interrupted", signal };
}
