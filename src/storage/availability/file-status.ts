import type { FileReference } from "../../wire/index.js";
import type { ClientContext } from "../client-context.js";
import { deviceTime } from "../floored-clock.js";
import { asStorageError } from "../job-errors.js";
import { coolingDownError, noteEndpointFailure } from "../retry/index.js";

/**
 * - `available`: every piece is known to be stored past the renewal margin;
 * - `expiring`: some piece's TTL ends within the margin (an upload of ours will be renewed if still referenced);
 * - `expired`: some piece's TTL has passed (or, when probed, an endpoint no longer has it);
 * - `unknown`: a received version 2 reference says nothing about expiry (or the expiry known is
 *   one no piece stored by now could have: a clock ran ahead; or it has passed on the client's
 *   floored clock but not on the device clock behind it) and nothing was probed.
 */
export type Availability = "available" | "expiring" | "expired" | "unknown";

export interface FileStatus {
  readonly state: Availability;
  /** When the first piece may go, ms since the epoch (journal for our uploads, the reference's expires_at otherwise). */
  readonly expiresAt?: number;
  /** With `probe`: pieces no endpoint has. */
  readonly missingPieces?: number;
}

export function availabilityAt(expiresAt: number | undefined, now: number, renewBeforeMs: number): Availability {
  if (expiresAt === undefined) return "unknown";
  if (expiresAt <= now) return "expired";
  return expiresAt - now <= renewBeforeMs ? "expiring" : "available";
}

export async function fileStatus(ctx: ClientContext, view: FileReference, probe: boolean, signal: AbortSignal | undefined): Promise<FileStatus> {
  let rows;
  try {
    rows = view.pieces.map((p) => ctx.availability.get(p.cid));
  } catch (error) {
    // The journal cannot be read (a failing disk, a state closed under the client): the layer's typed error, not SQLite's.
    throw asStorageError(error);
  }
  // No piece stored by now can outlive now + TTL: a later expiry was written by a clock that ran
  // ahead (renewal counts such a piece due), and the endpoints' TTL ran from the real time.
  const now = ctx.clock.now();
  const believable = (at: number): boolean => at <= now + ctx.ttlMs + ctx.renewBeforeMs;
  let expiresAt: number | undefined;
  if (rows.every((r) => r !== undefined)) {
    const expiries = rows.map((r) => (r as { expires_at: number }).expires_at);
    // One piece whose expiry is not believed may go before the others: the file's is not known either.
    expiresAt = expiries.every(believable) ? Math.min(...expiries) : undefined;
  } else if (view.expiresAt !== undefined && view.expiresAt > 0) expiresAt = view.expiresAt * 1000;
  if (expiresAt !== undefined && !believable(expiresAt)) expiresAt = undefined;
  let state = availabilityAt(expiresAt, now, ctx.renewBeforeMs);
  // Past on the client's clock (never earlier than a time already seen) but not yet on the device's:
  // either the device clock was set back (expired) or it ran ahead and was put right (not). Neither
  // is claimed; a probe tells.
  if (state === "expired" && expiresAt !== undefined && expiresAt > deviceTime(ctx.clock)) state = "unknown";
  if (!probe) return expiresAt === undefined ? { state } : { state, expiresAt };
  let missing = 0;
  // An endpoint that could not be asked is not asked again in this probe: one that hangs would cost its timeout per piece.
  const silent = new Map<number, unknown>();
  for (const piece of view.pieces) {
    let found = false;
    let unanswered: unknown;
    // The transfers' order (the one that last worked first, one that failed last), not the list's.
    for (const at of ctx.pool.inOrder()) {
      const backend = ctx.pool.at(at);
      if (silent.has(at)) {
        unanswered ??= silent.get(at);
        continue;
      }
      // One that asked to be left alone (Retry-After) is not asked meanwhile, as no transfer asks it: it may have the piece.
      if (ctx.pool.coolingFor(at) > 0) {
        unanswered ??= coolingDownError(ctx.pool, at, `status probe of ${piece.cid}`);
        continue;
      }
      try {
        if (await backend.has(piece.cid, signal === undefined ? {} : { signal })) {
          found = true;
          break;
        }
      } catch (error) {
        if (signal?.aborted === true) throw error;
        unanswered ??= error;
        silent.set(at, error);
        noteEndpointFailure(ctx.pool, ctx.policy, at, error);
      }
    }
    // Missing only when every endpoint answered "no": one that could not be asked may still hold it.
    if (!found && unanswered !== undefined) throw asStorageError(unanswered);
    if (!found) missing++;
  }
  if (missing > 0) state = "expired";
  else if (expiresAt !== undefined && expiresAt <= now) {
    // Still there past the expiry we knew (the sender renewed it, the node has not swept it yet): that expiry is stale.
    return { state: "available", missingPieces: 0 };
  } else if (state === "unknown") state = "available";
  return { state, ...(expiresAt === undefined ? {} : { expiresAt }), missingPieces: missing };
}
