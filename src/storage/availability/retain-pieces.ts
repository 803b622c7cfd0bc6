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
 */
export function retainPieces(ctx: ClientContext, cids: readonly string[]): void {
  ctx.db.transaction(() => {
    const now = ctx.clock.now();
    const unknown: string[] = [];
    const expired: string[] = [];
    for (const cid of new Set(cids)) {
      const row = ctx.availability.get(cid);
      if (row === undefined || ctx.uploads.pieceByCid(cid) === undefined) unknown.push(cid);
      else if (row.referenced === 0 && (row.expires_at <= now || ctx.availability.lastNetworkRead(cid)?.foundNowhere === true)) expired.push(cid);
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
  })();
}
