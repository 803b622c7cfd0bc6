import type { FileHandle } from "node:fs/promises";
import { newStreamParams } from "../../crypto/index.js";
import type { StorageBackend } from "../backend.js";
import type { ClientContext } from "../client-context.js";
import type { UploadJobRow } from "../journal/upload-journal.js";
import { sourceChanged } from "./open-source.js";
import { sameSource, sourceIdentity, type SourceIdentity } from "./source-identity.js";

/**
 * What a run of an upload settles before it seals anything, so that a resume is safe:
 * - the source's identity (device, inode, size, mtime, change time) is recorded by the first run; a
 *   later run refuses a file edited or replaced since (E_SOURCE_CHANGED): a piece in flight at the
 *   crash may already be on a backend, and sealing other bytes under the same key and nonces is
 *   what AES-GCM must never see. An upload an earlier release began has no change time recorded:
 *   it is compared without one, and this run records it for the runs after. Stat fields miss some
 *   edits (FAT's 2 s mtime and no change time, an edit within one timestamp tick): what decides for
 *   a piece that may be out is the record of what it was sealed to (runUpload, sealedDigests);
 * - full mode: the journaled pieces live on the store that took them; a run on another store (the
 *   application moved to another node) forgets those the store it has now lacks and sends them
 *   again, the same bytes under the same nonces (runUpload compares them with the record of what
 *   was sealed before), so the reference never points at two stores.
 *   Light mode: they live on some of the endpoints; a run without one of the endpoints the earlier
 *   runs had does the same (the dropped one may hold pieces no other has), a run with more
 *   endpoints keeps them.
 */
export async function checkResumable(ctx: ClientContext, row: UploadJobRow, source: FileHandle, signal?: AbortSignal): Promise<ResumeCheck> {
  const identity = await sourceIdentity(source);
  const recorded = ctx.uploads.sourceIdentity(row.id);
  // No identity: nothing this upload sealed can be told apart from the file as it is now. The commits
  // of an earlier run may have been lost (WAL with synchronous = NORMAL: a power cut drops the last
  // ones) while a piece it put stays on a node, sealed from bytes the file may no longer hold; sealed
  // again under the same key and nonces, the node would hold two plaintexts' XOR and the GCM subkey.
  // So this run takes a fresh key and prefix, committed with the identity: lost with it, never reused.
  let run = row;
  if (recorded === undefined) {
    ctx.uploads.recordFirstRun(row.id, identity, newStreamParams(row.chunk_size));
    // The row as the journal now holds it (its key is replaced only while the job is queued or
    // uploading): read back here, once per first run, not by every run.
    run = ctx.uploads.get(row.id) ?? row;
  } else if (!sameSource(recorded, identity)) throw sourceChanged(row.id, "it was modified, replaced, renamed or had its permissions changed since the upload began, and a resumed upload seals only an untouched file again");
  else if (recorded.ctimeNs === undefined) ctx.uploads.recordSourceChangeTime(row.id, identity.ctimeNs);
  await checkStore(ctx, row, signal);
  return { row: run, guard: recorded === undefined ? undefined : { pieceRead: () => stillUnchanged(row.id, source, identity) } };
}

/**
 * What checkResumable settled: the row to seal with (the one given, or for a first run the row as
 * recorded with its fresh key and nonce prefix), and the resume's guard (none for a first run).
 */
export interface ResumeCheck {
  readonly row: UploadJobRow;
  readonly guard: ResumeGuard | undefined;
}

/**
 * What a run checks after reading each piece and before sealing it. A resumed run re-reads the
 * pieces that were in flight when the last one stopped, and one of them may already be on a
 * backend: an edit of the file after the check above would have it sealed again under the same
 * nonces with other bytes. The file's identity read after the piece catches every write that
 * changed it before or during the read (the kernel updates mtime and ctime before it changes the data); a
 * write after that leaves the bytes read as they were. A first run needs no check (it gets no
 * guard): nothing it seals was sealed before.
 */
export interface ResumeGuard {
  pieceRead(): Promise<void>;
}

async function stillUnchanged(jobId: string, source: FileHandle, identity: SourceIdentity): Promise<void> {
  if (!sameSource(identity, await sourceIdentity(source))) throw sourceChanged(jobId, "it was modified, renamed or had its permissions changed while the upload resumed, and a resumed upload seals only an untouched file again");
}

const LIGHT = "light\n";

/**
 * What an upload's journaled pieces are tied to: full mode, the primary store; light mode, the set
 * of endpoints (failover spreads the pieces over them, and which took which is not journaled).
 */
export function storeIdentityOf(light: boolean, endpoints: readonly StorageBackend[]): string {
  if (light) return LIGHT + [...new Set(endpoints.map((e) => e.location))].sort().join("\n");
  return `${endpoints[0]?.kind ?? ""} ${endpoints[0]?.location ?? ""}`;
}

function lightEndpoints(identity: string): string[] | undefined {
  return identity.startsWith(LIGHT) ? identity.slice(LIGHT.length).split("\n") : undefined;
}

async function checkStore(ctx: ClientContext, row: UploadJobRow, signal: AbortSignal | undefined): Promise<void> {
  if (ctx.storeIdentity === undefined) return;
  const previous = ctx.uploads.storeOf(row.id);
  if (previous === ctx.storeIdentity) return;
  const held = previous === undefined ? undefined : lightEndpoints(previous);
  const now = lightEndpoints(ctx.storeIdentity);
  // Light mode whose endpoints only grew: every piece sent is still within reach; from now on any of them may hold one.
  if (held !== undefined && now !== undefined && held.every((location) => now.includes(location))) {
    ctx.uploads.recordStore(row.id, ctx.storeIdentity);
    return;
  }
  if (previous !== undefined) {
    // The location is the store's as given: the same local folder spelled otherwise (a link) or moved
    // with its blocks is "another store" that holds them. Only what the stores now at hand lack is sent again.
    const lacking = await piecesLacking(ctx, row.id, signal);
    ctx.log.info({ job: row.id, pieces: lacking.length }, "upload resumed on another store: the pieces it lacks are sent again");
    ctx.db.transaction(() => {
      for (const idx of lacking) ctx.uploads.forgetPiece(row.id, idx);
      // The journal has when the previous store took each piece kept; the store now at hand may
      // hold it from an earlier run of this upload (the application went from one node to another
      // and back) and drops it a TTL after that. Any run of it began after the job was made: from
      // then on the TTL is counted (renewal early rather than after the piece is gone; a piece
      // due by then is stored again by this run: storeAgainOnResume).
      ctx.uploads.backdatePieces(row.id, row.created_at);
    })();
  }
  ctx.uploads.recordStore(row.id, ctx.storeIdentity);
}

/**
 * The journaled pieces of upload `id` that no endpoint now at hand says it has (`has`; Codex's
 * `/exists`). An endpoint that cannot be asked (down, timed out) counts as lacking them: the piece
 * is sent again, as every piece was before. A stop or cancel ends the look.
 */
async function piecesLacking(ctx: ClientContext, id: string, signal: AbortSignal | undefined): Promise<number[]> {
  const lacking: number[] = [];
  const silent = new Set<StorageBackend>();
  for (const piece of ctx.uploads.pieces(id)) {
    let found = false;
    for (const endpoint of ctx.pool.endpoints) {
      if (silent.has(endpoint)) continue;
      try {
        found = await endpoint.has(piece.cid, { signal });
      } catch (error) {
        if (signal?.aborted === true) throw error;
        // Asked once per run: a hanging one would cost its timeout per piece.
        silent.add(endpoint);
      }
      if (found) break;
    }
    if (!found) lacking.push(piece.idx);
  }
  return lacking;
}

/**
 * Whether a piece an earlier run stored at `uploadedAt` (journaled on the client's clock) must be
 * stored again before the file is finished: its TTL is due (a resume weeks later: the file would be
 * born expiring), or its time is not one a piece stored by now could have, past now + renewBeforeMs
 * (stored while the device clock ran further ahead than the floored clock keeps a floor for, then
 * put right: the node's TTL ran from a real time no one knows, and the reference would carry an
 * expiry past now + ttl + margin, which receivers and status() do not believe, as renewal does not).
 */
export function storeAgainOnResume(ctx: Pick<ClientContext, "ttlMs" | "renewBeforeMs">, uploadedAt: number, now: number): boolean {
  return uploadedAt + ctx.ttlMs - ctx.renewBeforeMs <= now || uploadedAt > now + ctx.renewBeforeMs;
}
