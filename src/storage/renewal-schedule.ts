import { renewDue, type RenewReport } from "./availability/renew-pieces.js";
import type { ClientContext } from "./client-context.js";
import type { ClientSettings } from "./client-settings.js";
import { startedContext, type ClientSession } from "./client-session.js";
import { abortedError, raceSignal } from "./abort-error.js";
import { forgetEndedJobs } from "./journal-retention.js";
import { linkedSignal } from "./retry/index.js";
import type { StorageError } from "./storage-error.js";

/** One renewal run after the one in progress (see StorageClient.renewDue). */
export async function renewInTurn(session: ClientSession, options: { signal?: AbortSignal }): Promise<RenewReport> {
  const ctx = startedContext(session);
  const link = linkedSignal([session.stopController.signal, options.signal], undefined, "renewal");
  if (link.signal.aborted) {
    // Given up before it began: nothing waited for, so the message must not speak of a run in progress.
    const reason: unknown = link.signal.reason;
    link.dispose();
    throw abortedError(reason, "renewal");
  }
  // One run at a time (the start's, the timer's, the application's): two would store every due piece twice.
  const before = session.renewTail;
  const renewal = raceSignal(before, link.signal, "renewal (waiting for the one in progress)").then(() => renewDue(ctx, link.signal, session.memory));
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

/** The timer's (and the start's) renewal run, unless one of its own is under way (it forgets ended jobs too). Never rejects. */
export async function renewInBackground(session: ClientSession): Promise<void> {
  if (session.renewing !== undefined || session.phase !== "started") return;
  session.renewing = renewInTurn(session, {})
    .catch((error: unknown) => session.log.warn({ code: (error as StorageError).code }, "renewal run failed"))
    .finally(() => {
      session.renewing = undefined;
    });
}

/** Best effort: a journal that refuses writes (full disk) must not stop the client; the next check tries again. */
export async function forgetEndedJobsNow(session: ClientSession): Promise<void> {
  const keptMs = (session.settings as ClientSettings).keepEndedJobsMs;
  if (keptMs === Infinity) return;
  await forgetEndedJobs(session.ctx as ClientContext, keptMs, (id) => session.handles.has(id)).catch((error: unknown) =>
    session.log.warn({ code: (error as { code?: unknown } | null)?.code }, "could not forget ended jobs"),
  );
}
