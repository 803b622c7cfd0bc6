import { communityId, hash32, messageId, mimeAndName, publicKey, recentMs, signature } from "../fixture/status-values.js";
import { expectEqual, type LevelQueries } from "./query-check.js";

/** SQL release 0.1.0 runs (level 1). Kept verbatim: later releases must not break it within the window. */
export const LEVEL1_SQL = {
  upsertSetting: `INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  getSetting: `SELECT value FROM settings WHERE key = ?`,
  upsertPeer: `INSERT INTO peers (public_key, protocol_min, protocol_max, seen_at) VALUES (@publicKey, @protocolMin, @protocolMax, @seenAt)
               ON CONFLICT (public_key) DO UPDATE SET protocol_min = excluded.protocol_min, protocol_max = excluded.protocol_max, seen_at = excluded.seen_at`,
  getPeer: `SELECT public_key AS publicKey, protocol_min AS protocolMin, protocol_max AS protocolMax, seen_at AS seenAt FROM peers WHERE public_key = ?`,
  upsertCommunity: `INSERT INTO communities (id, clock, description, signature, received_at) VALUES (@id, @clock, @description, @signature, @receivedAt)
                    ON CONFLICT (id) DO UPDATE SET clock = excluded.clock, description = excluded.description, signature = excluded.signature,
                      received_at = excluded.received_at
                    WHERE excluded.clock > communities.clock`,
  getCommunity: `SELECT id, clock, description, signature, received_at AS receivedAt FROM communities WHERE id = ?`,
  /** A control node's refused row (not its key's), dropped before its own publication is stored whatever the clocks (CommunityRows.replaceCommunity). */
  dropCommunityRow: `DELETE FROM communities WHERE id = @id AND clock = @clock AND signature = @signature`,
  putSegment: `INSERT OR IGNORE INTO segments (message_hash, idx, count, payload, received_at) VALUES (@messageHash, @idx, @count, @payload, @receivedAt)`,
  segmentsOf: `SELECT message_hash AS messageHash, idx, count, payload, received_at AS receivedAt FROM segments WHERE message_hash = ? ORDER BY idx`,
  dropSegments: `DELETE FROM segments WHERE message_hash = ?`,
  putAttachment: `INSERT INTO inline_attachments (message_id, mime, file_name, data, thumbnail, created_at)
                  VALUES (@messageId, @mime, @fileName, @data, @thumbnail, @createdAt) RETURNING id`,
  attachmentsOf: `SELECT id, message_id AS messageId, mime, file_name AS fileName, data, thumbnail, created_at AS createdAt
                    FROM inline_attachments WHERE message_id = ? ORDER BY id`,
} as const;

const UNIQUE = 3_900_000_000;

export const level1Queries: LevelQueries = {
  level: 1,
  checks: [
    {
      name: "settings: upsert and read",
      run(db, rnd) {
        const row = { key: "quota_bytes", value: String(rnd.int(1, 1e9)) };
        db.prepare(LEVEL1_SQL.upsertSetting).run(row);
        expectEqual("settings", db.prepare(LEVEL1_SQL.getSetting).pluck().get(row.key), row.value);
      },
    },
    {
      name: "peers: upsert capabilities and read",
      run(db, rnd) {
        const row = { publicKey: publicKey(UNIQUE, rnd), protocolMin: 1, protocolMax: 1, seenAt: recentMs(rnd) };
        db.prepare(LEVEL1_SQL.upsertPeer).run(row);
        db.prepare(LEVEL1_SQL.upsertPeer).run(row);
        expectEqual("peers", db.prepare(LEVEL1_SQL.getPeer).get(row.publicKey), row);
      },
    },
    {
      name: "communities: newer clock replaces, older is ignored",
      run(db, rnd) {
        const id = communityId(UNIQUE, rnd);
        const newer = { id, clock: 10, description: Buffer.from(rnd.bytes(2048)), signature: Buffer.from(signature(rnd)), receivedAt: recentMs(rnd) };
        db.prepare(LEVEL1_SQL.upsertCommunity).run({ ...newer, clock: 9, description: Buffer.from("old") });
        db.prepare(LEVEL1_SQL.upsertCommunity).run(newer);
        db.prepare(LEVEL1_SQL.upsertCommunity).run({ ...newer, clock: 8, description: Buffer.from("stale") });
        expectEqual("communities", db.prepare(LEVEL1_SQL.getCommunity).get(id), newer);
        // A refused row dropped by its clock and signature lets a lower clock in.
        db.prepare(LEVEL1_SQL.dropCommunityRow).run({ id, clock: 10, signature: newer.signature });
        db.prepare(LEVEL1_SQL.upsertCommunity).run({ ...newer, clock: 8 });
        expectEqual("communities after a drop", db.prepare(LEVEL1_SQL.getCommunity).get(id), { ...newer, clock: 8 });
      },
    },
    {
      name: "segments: buffer, reassemble in order, drop",
      run(db, rnd) {
        const messageHash = hash32(UNIQUE, rnd);
        const rows = [2, 0, 1].map((idx) => ({ messageHash, idx, count: 3, payload: Buffer.from(rnd.bytes(300)), receivedAt: recentMs(rnd) }));
        for (const r of rows) db.prepare(LEVEL1_SQL.putSegment).run(r);
        expectEqual("segments", db.prepare(LEVEL1_SQL.segmentsOf).all(messageHash), [...rows].sort((a, b) => a.idx - b.idx));
        db.prepare(LEVEL1_SQL.dropSegments).run(messageHash);
        expectEqual("segments after drop", db.prepare(LEVEL1_SQL.segmentsOf).all(messageHash), []);
      },
    },
    {
      name: "inline attachments: store with thumbnail and list by message",
      run(db, rnd) {
        const { mime, fileName } = mimeAndName(UNIQUE, rnd);
        const row = {
          messageId: messageId(UNIQUE, rnd), mime, fileName, data: Buffer.from(rnd.bytes(400)), thumbnail: Buffer.from(rnd.bytes(64)), createdAt: recentMs(rnd),
        };
        const { id } = db.prepare(LEVEL1_SQL.putAttachment).get(row) as { id: number };
        expectEqual("inline_attachments", db.prepare(LEVEL1_SQL.attachmentsOf).all(row.messageId), [{ id, ...row }]);
      },
    },
  ],
};
