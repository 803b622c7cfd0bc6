import type { ClientContext } from "../client-context.js";
import { StorageError } from "../storage-error.js";

/**
 * A released reference taken back (a message that referred to the file restored: an undo of a
 * delete, the message sent again, a re-join): its pieces are marked referenced again, so renewal
 * keeps them from the next run on, all or none. Refused E_NOT_FOUND, changing nothing, when a piece
 * cannot be renewed any more: its journaled expiry passed (a node drops a block once its TTL ran
 * out), renewal found it on no endpoint after that, or it is not one of this client's uploads (not
 * this client's, or forgotten: keepEndedJobsMs after its release; renewal seals from the upload's
 * row). Sharing the file again is then the only way to a reference that works.
 *
 * Gives whether a piece taken back is due for renewal now (inside the margin, or journaled past
 * what a piece stored now could have: renewDue's list). A renewal run lists what is due as it
 * begins, and runs come every renewEveryMs: such a piece retained with less time left than that
 * would wait for a run after its expiry, the file restored for the user gone for every receiver.
 */
export function retainPieces(ctx: ClientContext, cids: readonly string[]): { readonly due: boolean } {
  return ctx.db.transaction(() => {
    const now = ctx.clock.now();
    const unknown: string[] = [];
    const expired: string[] = [];
    let due = false;
    for (const cid of new Set(cids)) {
      const row = ctx.availability.get(cid);
      if (row === undefined || ctx.uploads.pieceByCid(cid) === undefined) unknown.push(cid);
      else if (row.referenced === 0 && (row.expires_at <= now || ctx.availability.lastNetworkRead(cid)?.foundNowhere === true)) expired.push(cid);
      // The same bounds as renewDue's list (availability-journal.ts dueBefore).
      else if (row.referenced === 0 && (row.expires_at <= now + ctx.renewBeforeMs || row.expires_at > now + ctx.ttlMs + ctx.renewBeforeMs)) due = true;
    }
    if (unknown.length > 0) {
      throw new StorageError("E_NOT_FOUND", `retain: ${unknown.length} of the reference's ${cids.length} pieces are not from an upload this client keeps (another client's, or forgotten after its release); share the file again`, {
        details: { unknown, expired },
      });
    }
    if (expired.length > 0) {
      throw new StorageError("E_NOT_FOUND", `retain: ${expired.length} of the reference's ${cids.length} pieces expired after it was released, and the storage nodes drop them; share the file again`, {
        details: { expired },
      });
    }
    for (const cid of cids) ctx.availability.reference(cid, true);
    return { due };
  })();
}
