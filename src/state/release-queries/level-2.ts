import { codexCid, communityId, hash32, messageId, mimeAndName, recentMs, signature, sourcePath } from "../fixture/status-values.js";
import { LEVEL1_SQL, level1Queries } from "./level-1.js";
import { expectEqual, type LevelQueries, type QueryCheck } from "./query-check.js";

/** SQL release 0.2.0 runs (level 2). It no longer touches inline thumbnails. */
export const LEVEL2_SQL = {
  ...LEVEL1_SQL,
  upsertCommunity: `INSERT INTO communities (id, clock, description, signature, received_at, source)
                    VALUES (@id, @clock, @description, @signature, @receivedAt, @source)
                    ON CONFLICT (id) DO UPDATE SET clock = excluded.clock, description = excluded.description, signature = excluded.signature,
                      received_at = excluded.received_at, source = excluded.source
                    WHERE excluded.clock > communities.clock`,
  getCommunity: `SELECT id, clock, description, signature, received_at AS receivedAt, source FROM communities WHERE id = ?`,
  putAttachment: `INSERT INTO inline_attachments (message_id, mime, file_name, data, created_at)
                  VALUES (@messageId, @mime, @fileName, @data, @createdAt) RETURNING id`,
  attachmentsOf: `SELECT id, message_id AS messageId, mime, file_name AS fileName, data, created_at AS createdAt
                    FROM inline_attachments WHERE message_id = ? ORDER BY id`,
  upsertPointer: `INSERT INTO cd_pointers (community_id, clock, cid, content_hash, size, expires_at, signature, received_at)
                  VALUES (@communityId, @clock, @cid, @contentHash, @size, @expiresAt, @signature, @receivedAt)
                  ON CONFLICT (community_id) DO UPDATE SET clock = excluded.clock, cid = excluded.cid, content_hash = excluded.content_hash,
                    size = excluded.size, expires_at = excluded.expires_at, signature = excluded.signature, received_at = excluded.received_at,
                    fetched_at = NULL
                  WHERE excluded.clock > cd_pointers.clock`,
  markPointerFetched: `UPDATE cd_pointers SET fetched_at = ? WHERE community_id = ? AND cid = ?`,
  /** A control node's refused pointer (not its key's), dropped before its own is stored whatever the clocks (CommunityRows.replacePointer). */
  dropPointerRow: `DELETE FROM cd_pointers WHERE community_id = @communityId AND clock = @clock AND signature = @signature`,
  getPointer: `SELECT community_id AS communityId, clock, cid, content_hash AS contentHash, size, expires_at AS expiresAt, signature,
                      received_at AS receivedAt, fetched_at AS fetchedAt FROM cd_pointers WHERE community_id = ?`,
  putFileReference: `INSERT INTO file_references (message_id, ref, plaintext_sha256, plaintext_size, mime, file_name, created_at)
                     VALUES (@messageId, @ref, @plaintextSha256, @plaintextSize, @mime, @fileName, @createdAt) RETURNING id`,
  fileReferencesOf: `SELECT id, message_id AS messageId, ref, plaintext_sha256 AS plaintextSha256, plaintext_size AS plaintextSize, mime,
                            file_name AS fileName, created_at AS createdAt FROM file_references WHERE message_id = ? ORDER BY id`,
  createUploadJob: `INSERT INTO upload_jobs (id, state, source_path, plaintext_size, piece_size, chunk_size, enc_key, nonce_prefix, mime, file_name,
                                             protocol, created_at, updated_at)
                    VALUES (@id, 'queued', @sourcePath, @plaintextSize, @pieceSize, @chunkSize, @encKey, @noncePrefix, @mime, @fileName, @protocol,
                            @now, @now)`,
  setUploadState: `UPDATE upload_jobs SET state = @state, attempts = attempts + @attempt, last_error = @lastError, updated_at = @now WHERE id = @id`,
  finishUpload: `UPDATE upload_jobs SET state = 'done', plaintext_sha256 = @sha256, file_reference = @fileReference, updated_at = @now WHERE id = @id`,
  uploadJobsIn: `SELECT id FROM upload_jobs WHERE state = ? ORDER BY created_at`,
  getUploadJob: `SELECT id, state, attempts, last_error AS lastError, plaintext_sha256 AS sha256, file_reference AS fileReference FROM upload_jobs WHERE id = ?`,
  putUploadPiece: `INSERT INTO upload_pieces (job_id, idx, cid, size, sha256, uploaded_at) VALUES (@jobId, @idx, @cid, @size, @sha256, @uploadedAt)`,
  uploadPiecesOf: `SELECT job_id AS jobId, idx, cid, size, sha256, uploaded_at AS uploadedAt FROM upload_pieces WHERE job_id = ? ORDER BY idx`,
  deleteUploadJob: `DELETE FROM upload_jobs WHERE id = ?`,
  createDownloadJob: `INSERT INTO download_jobs (id, state, file_reference, dest_path, temp_path, created_at, updated_at)
                      VALUES (@id, 'queued', @fileReference, @destPath, @tempPath, @now, @now)`,
  setDownloadState: `UPDATE download_jobs SET state = @state, attempts = attempts + @attempt, last_error = @lastError, updated_at = @now WHERE id = @id`,
  getDownloadJob: `SELECT id, state, attempts, last_error AS lastError FROM download_jobs WHERE id = ?`,
  putDownloadPiece: `INSERT OR IGNORE INTO download_pieces (job_id, idx, verified_at) VALUES (?, ?, ?)`,
  downloadPiecesOf: `SELECT idx FROM download_pieces WHERE job_id = ? ORDER BY idx`,
  upsertCacheEntry: `INSERT INTO cache_entries (cid, path, size, last_access, pinned) VALUES (@cid, @path, @size, @lastAccess, @pinned)
                     ON CONFLICT (cid) DO UPDATE SET last_access = excluded.last_access`,
  evictionCandidates: `SELECT cid, size FROM cache_entries WHERE pinned = 0 ORDER BY last_access LIMIT ?`,
  cacheBytes: `SELECT coalesce(sum(size), 0) FROM cache_entries`,
  putAvailability: `INSERT INTO availability (cid, uploaded_at, expires_at) VALUES (@cid, @uploadedAt, @expiresAt)
                    ON CONFLICT (cid) DO UPDATE SET expires_at = excluded.expires_at, renewed_at = excluded.uploaded_at`,
  dueForRenewal: `SELECT cid, expires_at AS expiresAt FROM availability WHERE referenced = 1 AND expires_at < ? ORDER BY expires_at`,
} as const;

const UNIQUE = 3_900_000_100;
const DAY = 24 * 3600 * 1000;

/** Level 1's checks that 0.2.0 still runs the same way (everything but the attachment and community SQL). */
const keptFromLevel1 = level1Queries.checks.filter((c) => !c.name.startsWith("inline attachments") && !c.name.startsWith("communities"));

export const level2Checks: readonly QueryCheck[] = [
  ...keptFromLevel1,
  {
    name: "communities: upsert with source, newer clock wins",
    run(db, rnd) {
      const id = communityId(UNIQUE, rnd);
      const row = { id, clock: 5, description: Buffer.from(rnd.bytes(1500)), signature: Buffer.from(signature(rnd)), receivedAt: recentMs(rnd), source: "codex" };
      db.prepare(LEVEL2_SQL.upsertCommunity).run(row);
      db.prepare(LEVEL2_SQL.upsertCommunity).run({ ...row, clock: 4, source: "waku" });
      expectEqual("communities", db.prepare(LEVEL2_SQL.getCommunity).get(id), row);
      db.prepare(LEVEL2_SQL.dropCommunityRow).run({ id, clock: 5, signature: row.signature });
      db.prepare(LEVEL2_SQL.upsertCommunity).run({ ...row, clock: 4, source: "waku" });
      expectEqual("communities after a drop", db.prepare(LEVEL2_SQL.getCommunity).get(id), { ...row, clock: 4, source: "waku" });
    },
  },
  {
    name: "inline attachments: store and list without thumbnails",
    run(db, rnd) {
      const { mime, fileName } = mimeAndName(UNIQUE, rnd);
      const row = { messageId: messageId(UNIQUE, rnd), mime, fileName, data: Buffer.from(rnd.bytes(300)), createdAt: recentMs(rnd) };
      const { id } = db.prepare(LEVEL2_SQL.putAttachment).get(row) as { id: number };
      expectEqual("inline_attachments", db.prepare(LEVEL2_SQL.attachmentsOf).all(row.messageId), [{ id, ...row }]);
    },
  },
  {
    name: "cd pointers: newest clock wins, mark fetched",
    run(db, rnd) {
      const received = recentMs(rnd);
      const row = {
        communityId: communityId(UNIQUE, rnd), clock: 7, cid: codexCid(UNIQUE, rnd), contentHash: hash32(UNIQUE, rnd), size: 1_400_000,
        expiresAt: received + 30 * DAY, signature: Buffer.from(signature(rnd)), receivedAt: received,
      };
      db.prepare(LEVEL2_SQL.upsertPointer).run(row);
      db.prepare(LEVEL2_SQL.upsertPointer).run({ ...row, clock: 6, cid: codexCid(UNIQUE + 1, rnd) });
      db.prepare(LEVEL2_SQL.markPointerFetched).run(received + 900, row.communityId, row.cid);
      expectEqual("cd_pointers", db.prepare(LEVEL2_SQL.getPointer).get(row.communityId), { ...row, fetchedAt: received + 900 });
      // A refused pointer dropped by its clock and signature lets a lower clock in.
      db.prepare(LEVEL2_SQL.dropPointerRow).run({ communityId: row.communityId, clock: 7, signature: row.signature });
      db.prepare(LEVEL2_SQL.upsertPointer).run({ ...row, clock: 6 });
      expectEqual("cd_pointers after a drop", db.prepare(LEVEL2_SQL.getPointer).get(row.communityId), { ...row, clock: 6, fetchedAt: null });
    },
  },
  {
    name: "file references: store as received and list by message",
    run(db, rnd) {
      const { mime, fileName } = mimeAndName(UNIQUE, rnd);
      const row = {
        messageId: messageId(UNIQUE + 7, rnd), ref: Buffer.from(rnd.bytes(320)), plaintextSha256: hash32(UNIQUE, rnd), plaintextSize: 4_200_000,
        mime, fileName, createdAt: recentMs(rnd),
      };
      const { id } = db.prepare(LEVEL2_SQL.putFileReference).get(row) as { id: number };
      expectEqual("file_references", db.prepare(LEVEL2_SQL.fileReferencesOf).all(row.messageId), [{ id, ...row }]);
    },
  },
  {
    name: "upload journal: queue, pieces, retry, finish, cascade delete",
    run(db, rnd) {
      const { mime, fileName } = mimeAndName(UNIQUE, rnd);
      const now = recentMs(rnd);
      const id = `job-${UNIQUE}`;
      db.prepare(LEVEL2_SQL.createUploadJob).run({
        id, sourcePath: sourcePath(fileName, rnd), plaintextSize: 9_000_000, pieceSize: 4 << 20, chunkSize: 64 << 10,
        encKey: Buffer.from(rnd.bytes(32)), noncePrefix: Buffer.from(rnd.bytes(7)), mime, fileName, protocol: 2, now,
      });
      expectEqual("queued uploads", (db.prepare(LEVEL2_SQL.uploadJobsIn).pluck().all("queued") as string[]).includes(id), true);
      db.prepare(LEVEL2_SQL.setUploadState).run({ id, state: "uploading", attempt: 1, lastError: null, now: now + 1 });
      const pieces = [0, 1].map((idx) => ({ jobId: id, idx, cid: codexCid(UNIQUE + idx, rnd, "block"), size: 4 << 20, sha256: hash32(UNIQUE + idx, rnd), uploadedAt: now + 2 }));
      for (const p of pieces) db.prepare(LEVEL2_SQL.putUploadPiece).run(p);
      expectEqual("upload_pieces", db.prepare(LEVEL2_SQL.uploadPiecesOf).all(id), pieces);
      const sha256 = hash32(UNIQUE + 9, rnd);
      const fileReference = Buffer.from(rnd.bytes(300));
      db.prepare(LEVEL2_SQL.finishUpload).run({ id, sha256, fileReference, now: now + 3 });
      expectEqual("upload_jobs", db.prepare(LEVEL2_SQL.getUploadJob).get(id), { id, state: "done", attempts: 1, lastError: null, sha256, fileReference });
      db.prepare(LEVEL2_SQL.deleteUploadJob).run(id);
      expectEqual("pieces after delete", db.prepare(LEVEL2_SQL.uploadPiecesOf).all(id), []);
    },
  },
  {
    name: "download journal: queue, verified pieces, fail with error",
    run(db, rnd) {
      const now = recentMs(rnd);
      const id = `dl-${UNIQUE}`;
      db.prepare(LEVEL2_SQL.createDownloadJob).run({ id, fileReference: Buffer.from(rnd.bytes(300)), destPath: "/data/user/0/im.status.ethereum/files/f.jpg", tempPath: "/data/user/0/im.status.ethereum/cache/f.jpg.part", now });
      for (const idx of [1, 0, 1]) db.prepare(LEVEL2_SQL.putDownloadPiece).run(id, idx, now + idx);
      expectEqual("download_pieces", db.prepare(LEVEL2_SQL.downloadPiecesOf).pluck().all(id), [0, 1]);
      db.prepare(LEVEL2_SQL.setDownloadState).run({ id, state: "failed", attempt: 1, lastError: "E_TIMEOUT", now: now + 5 });
      expectEqual("download_jobs", db.prepare(LEVEL2_SQL.getDownloadJob).get(id), { id, state: "failed", attempts: 1, lastError: "E_TIMEOUT" });
    },
  },
  {
    name: "cache: record, touch, pinned entries are never eviction candidates",
    run(db, rnd) {
      const before = db.prepare(LEVEL2_SQL.cacheBytes).pluck().get() as number;
      const oldest = { cid: codexCid(UNIQUE + 20, rnd), path: "/cache/a", size: 10, lastAccess: 1, pinned: 1 };
      const next = { cid: codexCid(UNIQUE + 21, rnd), path: "/cache/b", size: 20, lastAccess: 2, pinned: 0 };
      db.prepare(LEVEL2_SQL.upsertCacheEntry).run(oldest);
      db.prepare(LEVEL2_SQL.upsertCacheEntry).run(next);
      const first = db.prepare(LEVEL2_SQL.evictionCandidates).get(1) as { cid: string };
      expectEqual("eviction order", first.cid, next.cid);
      expectEqual("cache bytes", db.prepare(LEVEL2_SQL.cacheBytes).pluck().get(), before + 30);
    },
  },
  {
    name: "availability: record upload, renew, list what is due",
    run(db, rnd) {
      const cid = codexCid(UNIQUE + 30, rnd);
      db.prepare(LEVEL2_SQL.putAvailability).run({ cid, uploadedAt: 1_000, expiresAt: 2_000 });
      expectEqual("due", (db.prepare(LEVEL2_SQL.dueForRenewal).all(3_000) as { cid: string }[]).some((r) => r.cid === cid), true);
      db.prepare(LEVEL2_SQL.putAvailability).run({ cid, uploadedAt: 1_500, expiresAt: 9_000_000_000_000 });
      expectEqual("renewed", (db.prepare(LEVEL2_SQL.dueForRenewal).all(3_000) as { cid: string }[]).some((r) => r.cid === cid), false);
    },
  },
];

export const level2Queries: LevelQueries = { level: 2, checks: level2Checks };
