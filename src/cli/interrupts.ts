import { rmSync } from "node:fs";
import { EXIT_INTERRUPTED } from "./exit-codes.js";

/** How a transfer the CLI waits on ended: its result, or the signal that asked the command to stop. */
export type Outcome<R> = { readonly kind: "done"; readonly value: R } | { readonly kind: "interrupted"; readonly signal: NodeJS.Signals };

/**
 * SIGHUP too: the terminal went away (an ssh session dropped, a terminal window closed). Left to
 * Node's default it ended the process at once, leaving a matrix's or upgrade's work folder behind
 * and a transfer without its clean stop.
 */
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** The status of a command stopped by `signal` (130 for SIGINT); the process entry then re-raises it. */
export function interruptedStatus(signal: NodeJS.Signals): number {
  return signal === "SIGTERM" ? EXIT_INTERRUPTED.SIGTERM : signal === "SIGHUP" ? EXIT_INTERRUPTED.SIGHUP : EXIT_INTERRUPTED.SIGINT;
}

/** How a stopped command names the signal: a hangup says what it means, as few know SIGHUP by name. */
export function signalText(signal: NodeJS.Signals): string {
  return signal === "SIGHUP" ? "SIGHUP: the terminal went away" : signal;
}

/**
 * What a transfer stopped by a hangup adds to its line. Node resets SIGHUP's disposition when it
 * starts, so `nohup` (which only sets it to ignored before exec) does not keep the CLI running when
 * its terminal goes away, and its user finds this line in nohup.out. setsid starts the command in a
 * session of its own, without a terminal that can hang up on it.
 */
export function hangupAdvice(signal: NodeJS.Signals, command: string): string {
  if (signal !== "SIGHUP") return "";
  return `; nohup does not keep it running past a hangup: start a transfer that must outlive its terminal with setsid (setsid -f status-compat ${command} … > result.json 2> log.txt)`;
}

/**
 * Ctrl-C (SIGINT) or SIGTERM, watched for a whole command: from before it opens anything (waiting
 * for the home lock, migrating the state, starting the client) to the end of its transfer. Left
 * to Node's default, a signal in those first steps ended the process without a word. The first
 * signal is recorded and aborts `signal`; the handlers go with it, so a second Ctrl-C ends the
 * process at once, as the user asked.
 */
export interface Interrupts {
  /** Aborted by the first signal; its reason is the signal's name. */
  readonly signal: AbortSignal;
  /** The signal received, if one was. */
  received(): NodeJS.Signals | undefined;
  /** Stops watching (idempotent): from then on a signal has Node's default effect. */
  dispose(): void;
}

export interface WatchOptions {
  /**
   * Called (synchronously) when a signal comes after the first, before the process is ended by it
   * at once: for what must not outlive the command (a work copy the size of the database) while
   * the first signal's clean-up waits on something it cannot cut. Without it, the handlers go with
   * the first signal and a second one has Node's default effect.
   */
  onRepeat?: (signal: NodeJS.Signals) => void;
  /**
   * The command's own work folder, if it has one yet: removed (synchronously, before `onRepeat`)
   * when a signal comes after the first, so the copies in it do not outlive the command.
   */
  workFolder?: () => string | undefined;
}

export function watchInterrupts(options: WatchOptions = {}): Interrupts {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handlers = SIGNALS.map((signal) => [signal, () => {
    if (received !== undefined && options.onRepeat !== undefined) {
      dispose();
      try {
        const folder = options.workFolder?.();
        if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
      } finally {
        try {
          options.onRepeat(signal);
        } finally {
          // Ended by the signal, as run.ts ends an interrupted command (other listeners, tsx's, would keep it alive).
          process.removeAllListeners(signal);
          process.kill(process.pid, signal);
        }
      }
      return;
    }
    if (options.onRepeat === undefined) dispose();
    received = signal;
    controller.abort(signal);
  }] as const);
  const dispose = (): void => {
    for (const [s, handler] of handlers) process.off(s, handler);
  };
  for (const [signal, handler] of handlers) process.on(signal, handler);
  return { signal: controller.signal, received: () => received, dispose };
}

/** Thrown when a signal stopped the command before its transfer began; the command reports it and ends by that signal. */
export class CommandInterrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted (${signal})`);
  }
}

/**
 * Waits for `done`, or for Ctrl-C (SIGINT) or SIGTERM, whichever comes first. On a signal it calls
 * `stop` (the client's: it keeps the job in the journal to resume and removes what a write in
 * flight had started; dying at once would skip that, and the metrics the command writes at its
 * end), then looks at `done` again: a job already past its last check finishes even when stopped,
 * and is reported done, not as interrupted. Given `interrupts`, a signal received before the wait
 * counts too; without, it watches only while waiting. A second Ctrl-C during the stop ends the
 * process at once, as the user asked.
 */
export async function doneOrInterrupted<R>(done: Promise<R>, stop: () => Promise<void>, interrupts?: Interrupts): Promise<Outcome<R>> {
  const watch = interrupts ?? watchInterrupts();
  const interrupted = new Promise<NodeJS.Signals>((resolve) => {
    const signal = watch.received();
    if (signal !== undefined) resolve(signal);
    else watch.signal.addEventListener("abort", () => resolve(watch.received() ?? "SIGINT"), { once: true });
  });
  const finished = done.then((value): Outcome<R> => ({ kind: "done", value }));
  // Once interrupted, `done` may reject when the client stops; that is read below, not thrown.
  finished.catch(() => undefined);
  let signal: NodeJS.Signals;
  try {
    const first = await Promise.race([finished, interrupted]);
    if (typeof first !== "string") return first;
    signal = first;
  } finally {
    if (interrupts === undefined) watch.dispose();
  }
  await stop();
  const [settled] = await Promise.allSettled([finished]);
  return settled.status === "fulfilled" ? settled.value : { kind: "interrupted", signal };
}
