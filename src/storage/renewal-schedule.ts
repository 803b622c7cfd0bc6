import { renewDue, type RenewReport } from "./availability/renew-pieces.js";
import type { ClientContext } from "./client-context.js";
import { STORAGE_DEFAULTS } from "./client-options.js";
import type { ClientSettings } from "./client-settings.js";
import { startedContext, type ClientSession } from "./client-session.js";
import { abortedError, raceSignal } from "./abort-error.js";
import { deviceTime } from "./floored-clock.js";
import { forgetEndedJobs } from "./journal-retention.js";
import { linkedSignal } from "./retry/index.js";
import { StorageError } from "./storage-error.js";

/**
 * One renewal run after the one in progress (see StorageClient.renewDue). `listing` is told as the
 * run begins, when it lists the pieces due (synchronously with it: nothing comes due in between).
 */
export async function renewInTurn(session: ClientSession, options: { signal?: AbortSignal } | null, listing?: () => void): Promise<RenewReport> {
  const ctx = startedContext(session);
  // null from a JavaScript caller means no options, as undefined does (not a raw TypeError).
  const link = linkedSignal([session.stopController.signal, options?.signal], undefined, "renewal");
  if (link.signal.aborted) {
    // Given up before it began: nothing waited for, so the message must not speak of a run in progress.
    const reason: unknown = link.signal.reason;
    link.dispose();
    throw abortedError(reason, "renewal");
  }
  // One run at a time (the start's, the timer's, the application's): two would store every due piece twice.
  const before = session.renewTail;
  const renewal = raceSignal(before, link.signal, "renewal (waiting for the one in progress)")
    .then(() => {
      listing?.();
      return renewDue(ctx, link.signal, { memory: session.memory, networkReadEveryMs: networkReadEveryMs(session) });
    })
    .catch((error: unknown) => {
      throw session.stopController.signal.aborted && (error as { code?: unknown } | null)?.code === "E_CLIENT_CLOSED" ? stoppedRenewal(error) : error;
    });
  // Every renewal check forgets what ended long enough ago, the application's too (a timer of 0 left that to the
  // next start); within the turn, so stop() waits for it as for the run.
  const run = renewal.finally(() => (session.phase === "started" ? forgetEndedJobsNow(session) : undefined));
  // Settles with nothing: allSettled's value would hold this run's report and, through `before`, every earlier one.
  session.renewTail = Promise.allSettled([before, run]).then(() => undefined);
  try {
    return await run;
  } finally {
    link.dispose();
  }
}

/**
 * stop()'s own E_CLIENT_CLOSED says the job stays in the journal and resumes at the next start: a
 * renewal is no job, and a client whose timer is off (the application drives renewal) runs none at
 * start, so an application taking that at its word never asked again and the pieces expired.
 */
function stoppedRenewal(cause: unknown): StorageError {
  return new StorageError(
    "E_CLIENT_CLOSED",
    "the storage client was stopped during a renewal run; the pieces it did not renew stay due: call renewDue() once a client is started (one whose renewal timer is on runs it at start)",
    { cause },
  );
}

/**
 * A piece only the network can renew is read at most once per renewal interval (renew-pieces.ts
 * networkReadDue); with the timer off (0) the application drives renewal, and the default interval counts.
 */
function networkReadEveryMs(session: ClientSession): number {
  const everyMs = (session.settings as ClientSettings).renewEveryMs;
  return everyMs > 0 ? everyMs : STORAGE_DEFAULTS.renewEveryMs;
}

/**
 * Node's timers run on a clock that stops while the machine sleeps (CLOCK_MONOTONIC on Linux and
 * Android): a 6 h interval on a laptop awake two hours a day fired every three days, past the
 * margin (the file lost for every receiver). So the timer looks this many times per interval, and
 * runs once the device clock (which counts the sleep) or the timers' own clock says an interval passed.
 */
const CHECKS_PER_INTERVAL = 36;

/** Starts the background renewal timer (unref'd; cleared by stop()). The start's own run counts as the first. */
export function startRenewalTimer(session: ClientSession, everyMs: number): NodeJS.Timeout {
  const clock = (session.ctx as ClientContext).clock;
  // The device clock, not the floored one: reading that would write the floor to the state each check.
  let last = { device: deviceTime(clock), awake: performance.now() };
  const timer = setInterval(
    () => {
      const now = { device: deviceTime(clock), awake: performance.now() };
      // Set back (a clock that ran ahead put right): measured from there, else only the awake clock
      // would count for as long as it had been ahead, and a sleeping laptop renewed past the margin.
      if (now.device < last.device) last = { device: now.device, awake: last.awake };
      if (now.device - last.device < everyMs && now.awake - last.awake < everyMs) return;
      last = now;
      void renewInBackground(session);
    },
    Math.max(1, Math.ceil(everyMs / CHECKS_PER_INTERVAL)),
  );
  timer.unref();
  return timer;
}

/**
 * The timer's (and the start's) renewal run, unless one of its own is under way (it forgets ended
 * jobs too). `afterListed`: also after one of its own that already listed its pieces (see
 * renewRetained), unless another is waiting to begin, which will list them. Never rejects.
 */
export async function renewInBackground(session: ClientSession, afterListed = false): Promise<void> {
  if (session.phase !== "started") return;
  if (session.renewing !== undefined && !(afterListed && session.renewingListed)) return;
  session.renewingListed = false;
  const run: Promise<void> = renewInTurn(session, {}, () => {
    if (session.renewing === run) session.renewingListed = true;
  })
    .then(
      () => undefined,
      (error: unknown) => session.log.warn({ code: (error as StorageError).code }, "renewal run failed"),
    )
    .finally(() => {
      // A run queued behind this one is the session's now, and its own to clear.
      if (session.renewing !== run) return;
      session.renewing = undefined;
      session.renewingListed = false;
    });
  session.renewing = run;
}

/**
 * Pieces retained inside the renewal margin (retain-pieces.ts) are due now: the timer's next run
 * may come after their expiry (up to renewEveryMs away), and a run under way listed what was due
 * before they were taken back. So a run begins now, or after the one under way (runs take turns:
 * never two at once), in the background: retain() does not wait on the network, and stop() ends it
 * as it ends the timer's, the next start's run renewing what it did not. With the timer off the
 * application drives renewal, and no run starts on its own (status() says `expiring`).
 */
export function renewRetained(session: ClientSession): void {
  if (session.renewTimer === undefined) return;
  void renewInBackground(session, true);
}

/** Best effort: a journal that refuses writes (full disk) must not stop the client; the next check tries again. */
export async function forgetEndedJobsNow(session: ClientSession): Promise<void> {
  const keptMs = (session.settings as ClientSettings).keepEndedJobsMs;
  if (keptMs === Infinity) return;
  await forgetEndedJobs(session.ctx as ClientContext, keptMs, (id) => session.handles.has(id)).catch((error: unknown) =>
    session.log.warn({ code: (error as { code?: unknown } | null)?.code }, "could not forget ended jobs"),
  );
}
