import type Database from "better-sqlite3";
import { LEVEL1_SQL } from "../../state/index.js";
import type { RecordedIdentity, SourceIdentity } from "../upload/source-identity.js";
import type { UploadState } from "./job-states.js";
import { moveJob } from "./move-job.js";
import { keyStartsWith, prefixEnd } from "./settings-key-range.js";
import { WalDurability } from "./wal-durability.js";

export interface UploadJobRow {
  id: string;
  state: UploadState;
  source_path: string;
  plaintext_size: number;
  plaintext_sha256: Buffer | null;
  /** Plaintext bytes per piece (a whole number of chunks). */
  piece_size: number;
  chunk_size: number;
  enc_key: Buffer;
  nonce_prefix: Buffer;
  mime: string;
  file_name: string;
  protocol: number;
  attempts: number;
  last_error: string | null;
  file_reference: Buffer | null;
  created_at: number;
  updated_at: number;
}

export interface UploadPieceRow {
  idx: number;
  cid: string;
  size: number;
  sha256: Buffer;
  uploaded_at: number;
}

export type NewUploadJob = Omit<UploadJobRow, "state" | "plaintext_sha256" | "attempts" | "last_error" | "file_reference" | "updated_at">;

/**
 * The upload half of the journal (tables upload_jobs, upload_pieces). Every state change is one
 * statement guarded by the states it may come from, so a transition the state machine does not
 * allow changes nothing and is reported.
 */
export class UploadJournal {
  private readonly insertJob: Database.Statement;
  private readonly selectJob: Database.Statement;
  private readonly selectByStates: Database.Statement;
  private readonly selectAll: Database.Statement;
  private readonly insertPiece: Database.Statement;
  private readonly selectPieces: Database.Statement;
  private readonly selectPieceByCid: Database.Statement;
  private readonly getSetting: Database.Statement;
  private readonly putSetting: Database.Statement;
  private readonly deleteRunSettings: Database.Statement;
  private readonly deleteOrphanChangeTimes: Database.Statement;
  private readonly selectSealed: Database.Statement;
  private readonly deleteSealed: Database.Statement;
  private readonly deleteOrphanSealed: Database.Statement;
  private readonly deletePieces: Database.Statement;
  private readonly deletePiece: Database.Statement;
  private readonly backdate: Database.Statement;
  private readonly selectOthersOf: Database.Statement;
  private readonly selectEndedBefore: Database.Statement;
  private readonly deleteJob: Database.Statement;
  private readonly updateSource: Database.Statement;
  private readonly updateKey: Database.Statement;
  private readonly durability: WalDurability;

  constructor(
    private readonly db: Database.Database,
    /** Level 3 files have upload_pieces."offset"; the v3 profile fills it. */
    private readonly writesOffset: boolean,
  ) {
    this.insertJob = db.prepare(
      `INSERT INTO upload_jobs (id, state, source_path, plaintext_size, piece_size, chunk_size, enc_key, nonce_prefix, mime, file_name, protocol, attempts, created_at, updated_at)
       VALUES (@id, 'queued', @source_path, @plaintext_size, @piece_size, @chunk_size, @enc_key, @nonce_prefix, @mime, @file_name, @protocol, 0, @created_at, @created_at)`,
    );
    this.selectJob = db.prepare(`SELECT * FROM upload_jobs WHERE id = ?`);
    this.durability = new WalDurability(db);
    // Jobs made within one millisecond (a file forwarded to several chats) come back in the order
    // they were made: rowid is insertion order (a rowid table; rows are only updated, never
    // re-inserted, by every release), where the random ids would shuffle them.
    this.selectByStates = db.prepare(`SELECT * FROM upload_jobs WHERE state IN (SELECT value FROM json_each(?)) ORDER BY created_at, rowid`);
    this.selectAll = db.prepare(`SELECT * FROM upload_jobs ORDER BY created_at, rowid`);
    // A piece stored again (its TTL was due when a late resume reached it) keeps its row with the new
    // upload time, and the CID the store gave now: a node upgraded meanwhile may name the same bytes
    // otherwise, and the old CID expires within days.
    this.insertPiece = writesOffset
      ? db.prepare(`INSERT INTO upload_pieces (job_id, idx, cid, size, sha256, uploaded_at, "offset") VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, idx) DO UPDATE SET cid = excluded.cid, uploaded_at = excluded.uploaded_at`)
      : db.prepare(`INSERT INTO upload_pieces (job_id, idx, cid, size, sha256, uploaded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, idx) DO UPDATE SET cid = excluded.cid, uploaded_at = excluded.uploaded_at`);
    this.selectPieces = db.prepare(`SELECT idx, cid, size, sha256, uploaded_at FROM upload_pieces WHERE job_id = ? ORDER BY idx`);
    // A run's source identity and store live in the key-value table every state level has (no
    // schema change), read and written with the settings queries every release runs.
    this.getSetting = db.prepare(LEVEL1_SQL.getSetting).pluck();
    this.putSetting = db.prepare(LEVEL1_SQL.upsertSetting);
    this.deleteRunSettings = db.prepare(`DELETE FROM settings WHERE key IN (?, ?, ?)`);
    // An earlier release forgets the two keys it knows when it ends an upload this one began; the change time is left behind.
    this.deleteOrphanChangeTimes = db.prepare(
      `DELETE FROM settings WHERE ${keyStartsWith(CTIME_PREFIX)} AND NOT EXISTS (
         SELECT 1 FROM settings s WHERE s.key = '${SOURCE_PREFIX}' || substr(settings.key, ${CTIME_PREFIX.length + 1}))`,
    );
    // A job's records of what it sealed are the keys between `upload-sealed:<id>:` and
    // `upload-sealed:<id>;` (';' follows ':'): one range of the settings key's index.
    this.selectSealed = db.prepare(`SELECT key, value FROM settings WHERE key > ? AND key < ?`);
    this.deleteSealed = db.prepare(`DELETE FROM settings WHERE key > ? AND key < ?`);
    // Those whose upload an earlier release ended (it forgets only the keys it knows). rtrim drops the
    // piece number, leaving `upload-sealed:<id>:`; the id may hold digits and colons, the number none.
    this.deleteOrphanSealed = db.prepare(
      `DELETE FROM settings WHERE ${keyStartsWith(SEALED_PREFIX)} AND NOT EXISTS (
         SELECT 1 FROM settings s WHERE s.key = '${SOURCE_PREFIX}' || substr(rtrim(settings.key, '0123456789'), ${SEALED_PREFIX.length + 1}, length(rtrim(settings.key, '0123456789')) - ${SEALED_PREFIX.length + 1}))`,
    );
    this.deletePieces = db.prepare(`DELETE FROM upload_pieces WHERE job_id = ?`);
    this.deletePiece = db.prepare(`DELETE FROM upload_pieces WHERE job_id = ? AND idx = ?`);
    this.backdate = db.prepare(`UPDATE upload_pieces SET uploaded_at = min(uploaded_at, ?) WHERE job_id = ?`);
    this.selectOthersOf = db.prepare(`SELECT 1 FROM upload_jobs WHERE source_path = ? AND id <> ? AND state IN ('queued', 'uploading', 'failed') LIMIT 1`).pluck();
    // A done upload stays while a message still refers to one of its pieces: renewal seals from its
    // row. Released, it is ended from its pieces' last store on too (renewal kept it living till
    // then): counted from the job's end alone, one shared long ago was forgotten at the first check
    // after its release, and retain() refused it while its pieces were stored for weeks more. A store
    // whose expiry is past what one made now could have (@latest, renewDue's bound) was journaled
    // while the clock ran ahead: its time is unknown, and counted it kept the upload and its key until
    // the real time caught up (a year for a clock a year ahead). Such a store does not count.
    this.selectEndedBefore = db.prepare(
      `SELECT * FROM upload_jobs j WHERE j.updated_at < @cutoff AND (j.state IN ('failed', 'cancelled') OR (j.state = 'done' AND NOT EXISTS (
         SELECT 1 FROM upload_pieces p JOIN availability a ON a.cid = p.cid
         WHERE p.job_id = j.id AND (a.referenced = 1 OR (max(a.uploaded_at, coalesce(a.renewed_at, a.uploaded_at)) >= @cutoff AND a.expires_at <= @latest)))))
       ORDER BY j.updated_at, j.id`,
    );
    this.deleteJob = db.prepare(`DELETE FROM upload_jobs WHERE id = ?`);
    this.updateSource = db.prepare(`UPDATE upload_jobs SET source_path = ? WHERE id = ? AND state = 'queued'`);
    this.updateKey = db.prepare(`UPDATE upload_jobs SET enc_key = ?, nonce_prefix = ? WHERE id = ? AND state IN ('queued', 'uploading')`);
    this.selectPieceByCid = db.prepare(
      `SELECT p.job_id, p.idx, p.size, p.sha256 FROM upload_pieces p JOIN upload_jobs j ON j.id = p.job_id WHERE p.cid = ? ORDER BY j.updated_at DESC LIMIT 1`,
    );
  }

  create(job: NewUploadJob): void {
    this.insertJob.run(job);
  }

  get(id: string): UploadJobRow | undefined {
    return this.selectJob.get(id) as UploadJobRow | undefined;
  }

  inStates(states: readonly UploadState[]): UploadJobRow[] {
    return this.selectByStates.all(JSON.stringify(states)) as UploadJobRow[];
  }

  all(): UploadJobRow[] {
    return this.selectAll.all() as UploadJobRow[];
  }

  pieces(id: string): UploadPieceRow[] {
    return this.selectPieces.all(id) as UploadPieceRow[];
  }

  /** A queued upload that never ran reads its bytes from `sourcePath` instead (a share of bytes a cached file already holds). */
  moveSource(id: string, sourcePath: string): void {
    this.updateSource.run(sourcePath, id);
  }

  /** Whether another upload than `id` may still read `sourcePath` (queued, running, or failed and retriable). */
  othersOf(sourcePath: string, id: string): boolean {
    return this.selectOthersOf.get(sourcePath, id) !== undefined;
  }

  /** The piece stored under `cid` by one of this client's uploads (for renewal from the source). */
  pieceByCid(cid: string): { job_id: string; idx: number; size: number; sha256: Buffer } | undefined {
    return this.selectPieceByCid.get(cid) as { job_id: string; idx: number; size: number; sha256: Buffer } | undefined;
  }

  /**
   * The source file's identity recorded by the upload's first run, before it sealed anything. A
   * resumed run compares it: a file edited in place or replaced since then would be sealed again
   * under the same key and nonces, which AES-GCM must never see. Its change time is missing when an
   * earlier release began the upload (it records the stable part alone).
   */
  sourceIdentity(id: string): RecordedIdentity | undefined {
    const stable = this.getSetting.get(sourceKey(id)) as string | undefined;
    if (stable === undefined) return undefined;
    return { stable, ctimeNs: this.getSetting.get(ctimeKey(id)) as string | undefined };
  }

  /** Records the identity; the first run does, before it seals anything. */
  recordSourceIdentity(id: string, identity: SourceIdentity): void {
    this.db.transaction(() => {
      this.putSetting.run({ key: sourceKey(id), value: identity.stable });
      this.putSetting.run({ key: ctimeKey(id), value: identity.ctimeNs });
    })();
  }

  /**
   * A run that records the source's identity itself seals under a key and nonce prefix of its own,
   * in the same transaction with the identity and with no piece journaled: see checkResumable.
   */
  recordFirstRun(id: string, identity: SourceIdentity, params: { readonly key: Uint8Array; readonly noncePrefix: Uint8Array }): void {
    this.db.transaction(() => {
      this.deletePieces.run(id);
      // Records of what was sealed under the key replaced here: nothing will be sealed under it again.
      this.deleteSealed.run(...sealedRange(id));
      this.updateKey.run(Buffer.from(params.key), Buffer.from(params.noncePrefix), id);
      this.recordSourceIdentity(id, identity);
    })();
  }

  /** Records the change time of a source whose identity an earlier release recorded without it: later resumes compare it. */
  recordSourceChangeTime(id: string, ctimeNs: string): void {
    this.putSetting.run({ key: ctimeKey(id), value: ctimeNs });
  }

  /** The store (kind and location) the journaled pieces went to; full mode records it. */
  storeOf(id: string): string | undefined {
    return this.getSetting.get(storeKey(id)) as string | undefined;
  }

  recordStore(id: string, store: string): void {
    this.putSetting.run({ key: storeKey(id), value: store });
  }

  /** The journaled pieces are on another store than this run's: every piece is sent again. */
  forgetPieces(id: string): void {
    this.deletePieces.run(id);
  }

  /** Piece `idx` of upload `id` is to be stored again (the store the upload now has lacks it). */
  forgetPiece(id: string, idx: number): void {
    this.deletePiece.run(id, idx);
  }

  /** Upload `id`'s journaled pieces count as stored at `at` when journaled later (a store may hold them since then). */
  backdatePieces(id: string, at: number): void {
    this.backdate.run(at, id);
  }

  /**
   * What the upload's runs sealed and may have sent, by piece: the digest of each piece's AES-GCM
   * tags (sealedDigest), recorded before its put. A piece sealed again under the same key must give
   * the same digest, or the store may get two ciphertexts under one nonce (see checkResumable).
   * Empty for an upload an earlier release ran.
   */
  sealedDigests(id: string): Map<number, Buffer> {
    const records = new Map<number, Buffer>();
    const prefix = sealedKey(id, "");
    for (const { key, value } of this.selectSealed.all(...sealedRange(id)) as { key: string; value: string }[]) {
      const idx = Number(key.slice(prefix.length));
      // Anything else under the prefix is no record of this release's: not one to compare.
      if (Number.isSafeInteger(idx) && /^[0-9a-f]{64}$/.test(value)) records.set(idx, Buffer.from(value, "hex"));
    }
    return records;
  }

  /**
   * Records what piece `idx` was sealed to; resolves once the record is on the disk, and the piece
   * may be put. The state commits with synchronous = NORMAL (WAL), where a power cut may drop the
   * last commits while a put already reached a node; a record lost that way would let the next run
   * seal other bytes under the nonces that went out. Made durable with it: every commit before it
   * (the source's identity, a new key). See WalDurability.
   */
  recordSealed(id: string, idx: number, digest: Uint8Array): Promise<void> {
    return this.durability.commitDurably(() => this.putSetting.run({ key: sealedKey(id, String(idx)), value: Buffer.from(digest).toString("hex") }));
  }

  /** The upload is done or cancelled: nothing will be sealed from its source again. */
  forgetRunIdentity(id: string): void {
    this.db.transaction(() => {
      this.deleteRunSettings.run(sourceKey(id), storeKey(id), ctimeKey(id));
      this.deleteSealed.run(...sealedRange(id));
    })();
  }

  /**
   * Forgets the run settings an earlier release leaves when it ends an upload, knowing only the
   * other keys: change times and sealed-piece records whose upload has no identity any more.
   */
  dropOrphanRunSettings(): void {
    this.deleteOrphanChangeTimes.run();
    this.deleteOrphanSealed.run();
  }

  /**
   * Jobs that ended before `cutoff` and that nothing needs any more: failed, cancelled, or done with
   * no piece still referenced nor stored (uploaded or renewed) since `cutoff`, a store counting only
   * when its journaled expiry is not after `latest` (the latest a piece stored now could have: a
   * later one was journaled while the clock ran ahead).
   */
  endedBefore(cutoff: number, latest: number): UploadJobRow[] {
    return this.selectEndedBefore.all({ cutoff, latest }) as UploadJobRow[];
  }

  /** Forgets a job: its row (with its key), its pieces and its run settings. */
  remove(id: string): void {
    this.deletePieces.run(id);
    this.forgetRunIdentity(id);
    this.deleteJob.run(id);
  }

  /** A piece is stored: one row, never sent again. */
  recordPiece(id: string, piece: { idx: number; cid: string; size: number; sha256: Uint8Array; offset: number }, now: number): void {
    const args = [id, piece.idx, piece.cid, piece.size, Buffer.from(piece.sha256), now];
    if (this.writesOffset) args.push(piece.offset);
    this.insertPiece.run(...args);
  }

  /** queued|uploading → uploading: a run starts (first, or resumed after a crash or stop). */
  start(id: string, now: number): void {
    this.move(id, "uploading", `attempts = attempts + 1, last_error = NULL`, {}, now);
  }

  /**
   * uploading → done, with the reference the chat message will carry and the protocol it is written
   * in (the finishing client's, which differs from the job's when another release journaled it).
   */
  finish(id: string, reference: Uint8Array, plaintextSha256: Uint8Array, protocol: number, now: number): void {
    this.move(id, "done", `file_reference = @reference, plaintext_sha256 = @sha, protocol = @protocol`, { reference: Buffer.from(reference), sha: Buffer.from(plaintextSha256), protocol }, now);
  }

  fail(id: string, error: string, now: number): void {
    this.move(id, "failed", `last_error = @error`, { error }, now);
  }

  cancel(id: string, now: number): void {
    this.move(id, "cancelled", ``, {}, now);
  }

  /** failed → queued: the application asked to try again; stored pieces are kept. */
  requeue(id: string, now: number): void {
    this.move(id, "queued", `last_error = NULL`, {}, now);
  }

  private move(id: string, to: UploadState, set: string, params: Record<string, unknown>, now: number): void {
    moveJob(this.db, "upload", id, to, set, params, now, (job) => this.get(job)?.state);
  }
}

const SOURCE_PREFIX = "upload-source:";
const CTIME_PREFIX = "upload-source-ctime:";
const sourceKey = (id: string): string => SOURCE_PREFIX + id;
const ctimeKey = (id: string): string => CTIME_PREFIX + id;
const storeKey = (id: string): string => `upload-store:${id}`;
const SEALED_PREFIX = "upload-sealed:";
const sealedKey = (id: string, idx: string): string => `${SEALED_PREFIX}${id}:${idx}`;
/** Bounds (exclusive) of upload `id`'s sealed-piece keys. */
const sealedRange = (id: string): [string, string] => [sealedKey(id, ""), prefixEnd(sealedKey(id, ""))];

