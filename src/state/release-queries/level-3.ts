import { codexCid, communityId, hash32, messageId, mimeAndName, recentMs, signature } from "../fixture/status-values.js";
import { LEVEL2_SQL, level2Checks } from "./level-2.js";
import { expectEqual, type LevelQueries } from "./query-check.js";

/** SQL release 0.3.0 runs (level 3): pointer supersede fields, reference expiry, piece offsets. */
export const LEVEL3_SQL = {
  ...LEVEL2_SQL,
  upsertPointerSuperseding: `INSERT INTO cd_pointers (community_id, clock, cid, content_hash, size, expires_at, signature, received_at, supersedes_clock, supersedes_cid)
                             VALUES (@communityId, @clock, @cid, @contentHash, @size, @expiresAt, @signature, @receivedAt, @supersedesClock, @supersedesCid)
                             ON CONFLICT (community_id) DO UPDATE SET clock = excluded.clock, cid = excluded.cid, content_hash = excluded.content_hash,
                               size = excluded.size, expires_at = excluded.expires_at, signature = excluded.signature, received_at = excluded.received_at,
                               fetched_at = NULL, supersedes_clock = excluded.supersedes_clock, supersedes_cid = excluded.supersedes_cid
                             WHERE excluded.clock > cd_pointers.clock`,
  getPointerChain: `SELECT cid, clock, supersedes_clock AS supersedesClock, supersedes_cid AS supersedesCid FROM cd_pointers WHERE community_id = ?`,
  putFileReferenceExpiring: `INSERT INTO file_references (message_id, ref, plaintext_sha256, plaintext_size, mime, file_name, created_at, expires_at)
                             VALUES (@messageId, @ref, @plaintextSha256, @plaintextSize, @mime, @fileName, @createdAt, @expiresAt) RETURNING id`,
  expiredFileReferences: `SELECT id FROM file_references WHERE expires_at IS NOT NULL AND expires_at < ? ORDER BY expires_at`,
  putUploadPieceAt: `INSERT INTO upload_pieces (job_id, idx, cid, size, sha256, uploaded_at, "offset") VALUES (@jobId, @idx, @cid, @size, @sha256, @uploadedAt, @offset)`,
  uploadPieceOffsets: `SELECT idx, "offset" FROM upload_pieces WHERE job_id = ? ORDER BY idx`,
} as const;

const UNIQUE = 3_900_000_200;

export const level3Queries: LevelQueries = {
  level: 3,
  checks: [
    ...level2Checks,
    {
      name: "cd pointers: a new pointer supersedes the previous one by clock",
      run(db, rnd) {
        const id = communityId(UNIQUE, rnd);
        const first = codexCid(UNIQUE, rnd);
        const second = codexCid(UNIQUE + 1, rnd);
        const base = { communityId: id, contentHash: hash32(UNIQUE, rnd), size: 900_000, expiresAt: 2e12, signature: Buffer.from(signature(rnd)), receivedAt: recentMs(rnd) };
        db.prepare(LEVEL3_SQL.upsertPointerSuperseding).run({ ...base, clock: 1, cid: first, supersedesClock: null, supersedesCid: null });
        db.prepare(LEVEL3_SQL.upsertPointerSuperseding).run({ ...base, clock: 2, cid: second, supersedesClock: 1, supersedesCid: first });
        expectEqual("pointer chain", db.prepare(LEVEL3_SQL.getPointerChain).get(id), { cid: second, clock: 2, supersedesClock: 1, supersedesCid: first });
      },
    },
    {
      name: "file references: expiry is stored and queried",
      run(db, rnd) {
        const { mime, fileName } = mimeAndName(UNIQUE, rnd);
        const row = {
          messageId: messageId(UNIQUE, rnd), ref: Buffer.from(rnd.bytes(250)), plaintextSha256: hash32(UNIQUE, rnd), plaintextSize: 12_345, mime, fileName,
          createdAt: 1_000, expiresAt: 2_000,
        };
        const { id } = db.prepare(LEVEL3_SQL.putFileReferenceExpiring).get(row) as { id: number };
        expectEqual("expired", (db.prepare(LEVEL3_SQL.expiredFileReferences).pluck().all(3_000) as number[]).includes(id), true);
      },
    },
    {
      name: "upload pieces: offsets for large files",
      run(db, rnd) {
        const now = recentMs(rnd);
        const jobId = `job-${UNIQUE}`;
        db.prepare(LEVEL3_SQL.createUploadJob).run({
          id: jobId, sourcePath: "/storage/emulated/0/Download/big.bin", plaintextSize: 12 << 20, pieceSize: 4 << 20, chunkSize: 64 << 10, encKey: Buffer.from(rnd.bytes(32)),
          noncePrefix: Buffer.from(rnd.bytes(7)), mime: "application/octet-stream", fileName: "big.bin", protocol: 3, now,
        });
        for (const idx of [0, 1, 2]) {
          db.prepare(LEVEL3_SQL.putUploadPieceAt).run({ jobId, idx, cid: codexCid(UNIQUE + idx, rnd, "block"), size: 4 << 20, sha256: hash32(idx, rnd), uploadedAt: now, offset: idx * (4 << 20) });
        }
        expectEqual("offsets", db.prepare(LEVEL3_SQL.uploadPieceOffsets).all(jobId), [0, 1, 2].map((idx) => ({ idx, offset: idx * (4 << 20) })));
      },
    },
  ],
};
