import { Sha256Offload } from "../crypto/index.js";
import type { ClientSession } from "./client-session.js";
import { FlooredClock } from "./floored-clock.js";
import { clientClosedReason } from "./retry/index.js";

/**
 * Stops a started session (see StorageClient.stop): the timer, then what runs (spooling, cache
 * checks, clean-ups, the queues' runs, renewal), then the worker hold, buffers, live handles and
 * reservations, and last the clock's floor, the state (when the client opened it) and the lock.
 */
export async function stopSession(session: ClientSession, ownsState: boolean): Promise<void> {
  const reason = clientClosedReason();
  if (session.renewTimer !== undefined) clearInterval(session.renewTimer);
  session.stopController.abort(reason);
  await Promise.allSettled([...session.spooling, ...session.checkingHits, ...session.probes]);
  await Promise.allSettled([...session.cleaning]);
  await Promise.all([session.uploadQueue?.close(reason), session.downloadQueue?.close(reason)]);
  await session.renewing?.catch(() => undefined);
  await session.renewTail;
  if (session.ctx !== undefined) await Sha256Offload.release(session.ctx.hasher);
  session.ctx?.buffers.close();
  for (const job of session.handles.values()) job.reject(reason);
  session.handles.clear();
  for (const reservation of session.reservations.values()) reservation.release();
  // Its numbers leave the gauges (a registry the app shares with its other clients shows theirs alone); reports after this change nothing.
  session.ctx?.metrics.forget();
  // The next run starts from the latest time this one saw.
  if (session.ctx?.clock instanceof FlooredClock) session.ctx.clock.flush();
  session.failureMemory?.stop();
  if (ownsState) session.state?.close();
  session.lock?.release();
  session.log.info({}, "storage client stopped");
}
