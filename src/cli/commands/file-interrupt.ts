import { constants } from "node:os";

/** How a transfer the CLI waits on ended: its result, or the signal that asked the command to stop. */
export type Outcome<R> = { readonly kind: "done"; readonly value: R } | { readonly kind: "interrupted"; readonly signal: NodeJS.Signals };

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** The shell's status for a command stopped by `signal`: 128 + its number (130 for SIGINT). */
export function interruptedStatus(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/**
 * Waits for `done`, or for Ctrl-C (SIGINT) or SIGTERM, whichever comes first. On a signal the
 * caller stops the client, which keeps the job in the journal to resume and removes what a write
 * in flight had started; dying at once would skip that (and the metrics the command writes at its
 * end). The handlers are only there while waiting: a second Ctrl-C during the stop ends the
 * process at once, as the user asked.
 */
export async function doneOrInterrupted<R>(done: Promise<R>): Promise<Outcome<R>> {
  let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
  const interrupted = new Promise<Outcome<R>>((resolve) => {
    onSignal = (signal) => resolve({ kind: "interrupted", signal });
  });
  const handler = onSignal as (signal: NodeJS.Signals) => void;
  for (const signal of SIGNALS) process.once(signal, handler);
  const finished = done.then((value): Outcome<R> => ({ kind: "done", value }));
  // Once interrupted, `done` rejects when the client stops; nobody waits for it any more.
  finished.catch(() => undefined);
  try {
    return await Promise.race([finished, interrupted]);
  } finally {
    for (const signal of SIGNALS) process.off(signal, handler);
  }
}
