import type { StateHandle } from "./open-state.js";
import { LEVEL1_SQL } from "./release-queries/level-1.js";
import { LEVEL2_SQL } from "./release-queries/level-2.js";
import { LEVEL3_SQL } from "./release-queries/level-3.js";

/**
 * The bridge's rows of the state (docs/state-schema.md): `communities`, the newest description
 * received per community, and (level 2 on) `cd_pointers`, the newest pointer. Written with the
 * SQL each release runs (release-queries/level-N.ts), chosen by the level the code runs at, so a
 * 0.1.0 build never names a column its file lacks and a 0.3.0 build keeps the supersedes columns.
 * Both upserts only ever raise the clock (their WHERE excluded.clock > … clause): an older row
 * never replaces a newer one, whatever the caller does. The one exception is a control node's own
 * publication over a row its key did not sign (replaceCommunity, replacePointer: the bridge's
 * publisher, after verifying the row at start): a forged clock must not hold its rows back for good.
 */
export interface CommunityRow {
  /** `0x` and the hex of the 33-byte compressed community key. */
  readonly id: string;
  readonly clock: number;
  readonly description: Uint8Array;
  readonly signature: Uint8Array;
  /** Unix ms. */
  readonly receivedAt: number;
  /** Which path it came by; level 1 files have no such column and read as "waku". */
  readonly source: "waku" | "codex";
}

export interface PointerRow {
  readonly communityId: string;
  readonly clock: number;
  readonly cid: string;
  readonly contentHash: Uint8Array;
  readonly size: number;
  /** Unix seconds. */
  readonly expiresAt: number;
  readonly signature: Uint8Array;
  /** Unix ms. */
  readonly receivedAt: number;
  readonly supersedesClock?: number;
  readonly supersedesCid?: string;
}

export interface CommunityRows {
  /** The newest description held for the community, if any. */
  community(id: string): CommunityRow | undefined;
  /** Stores a description when its clock is above the held one; whether it did. */
  putCommunity(row: CommunityRow): boolean;
  /** The newest pointer held (undefined before level 2). */
  pointer(communityId: string): (PointerRow & { readonly fetchedAt?: number }) | undefined;
  /** Stores a pointer when its clock is above the held one (nothing at level 1, which has no table); whether it did. */
  putPointer(row: PointerRow): boolean;
  /** The pointer's description was fetched and verified at `at` (unix ms). */
  markPointerFetched(communityId: string, cid: string, at: number): void;
  /**
   * putCommunity, with the held row `refused` (its clock and signature) counted as absent: it is
   * replaced whatever the clocks. Only for a row the caller verified as not signed by the
   * community's key (a control node's publisher); a row changed since (another clock or signature)
   * is not replaced but raised as putCommunity does. Optional: a store without it keeps the rising write.
   */
  replaceCommunity?(row: CommunityRow, refused: RefusedRow): boolean;
  /** putPointer with the held pointer `refused` counted as absent, as replaceCommunity. */
  replacePointer?(row: PointerRow, refused: RefusedRow): boolean;
}

/** A held row a caller verified as not its community key's: what identifies it in the table. */
export interface RefusedRow {
  readonly clock: number;
  readonly signature: Uint8Array;
}

interface RawCommunity {
  id: string;
  clock: number;
  description: Buffer;
  signature: Buffer;
  receivedAt: number;
  source?: string;
}

interface RawPointer {
  communityId: string;
  clock: number;
  cid: string;
  contentHash: Buffer;
  size: number;
  expiresAt: number;
  signature: Buffer;
  receivedAt: number;
  fetchedAt: number | null;
}

export function communityRows(state: StateHandle): CommunityRows {
  const level = state.codeLevel;
  const db = state.db;
  const sql = level >= 3 ? LEVEL3_SQL : level === 2 ? LEVEL2_SQL : LEVEL1_SQL;
  const getCommunity = db.prepare<[string], RawCommunity>(sql.getCommunity);
  const upsertCommunity = db.prepare(sql.upsertCommunity);
  const dropCommunity = db.prepare(LEVEL1_SQL.dropCommunityRow);
  const pointers =
    level >= 2
      ? {
          get: db.prepare<[string], RawPointer>(LEVEL2_SQL.getPointer),
          upsert: db.prepare(level >= 3 ? LEVEL3_SQL.upsertPointerSuperseding : LEVEL2_SQL.upsertPointer),
          chain: level >= 3 ? db.prepare<[string], { supersedesClock: number | null; supersedesCid: string | null }>(LEVEL3_SQL.getPointerChain) : undefined,
          fetched: db.prepare(LEVEL2_SQL.markPointerFetched),
          drop: db.prepare(LEVEL2_SQL.dropPointerRow),
        }
      : undefined;
  const putCommunity = (row: CommunityRow): boolean => {
    const params = { id: row.id, clock: row.clock, description: blob(row.description), signature: blob(row.signature), receivedAt: row.receivedAt };
    return upsertCommunity.run(level >= 2 ? { ...params, source: row.source } : params).changes > 0;
  };
  const putPointer = (row: PointerRow): boolean => {
    if (pointers === undefined) return false;
    const params = {
      communityId: row.communityId,
      clock: row.clock,
      cid: row.cid,
      contentHash: blob(row.contentHash),
      size: row.size,
      expiresAt: row.expiresAt,
      signature: blob(row.signature),
      receivedAt: row.receivedAt,
    };
    const full = level >= 3 ? { ...params, supersedesClock: row.supersedesClock ?? null, supersedesCid: row.supersedesCid ?? null } : params;
    return pointers.upsert.run(full).changes > 0;
  };
  // One transaction: no reader sees the community without a row between the drop and the write.
  const replaceCommunity = db.transaction((row: CommunityRow, refused: RefusedRow): boolean => {
    dropCommunity.run({ id: row.id, clock: refused.clock, signature: blob(refused.signature) });
    return putCommunity(row);
  });
  const replacePointer = db.transaction((row: PointerRow, refused: RefusedRow): boolean => {
    pointers?.drop.run({ communityId: row.communityId, clock: refused.clock, signature: blob(refused.signature) });
    return putPointer(row);
  });
  return {
    community(id) {
      const raw = getCommunity.get(id);
      if (raw === undefined) return undefined;
      return {
        id: raw.id,
        clock: raw.clock,
        description: new Uint8Array(raw.description),
        signature: new Uint8Array(raw.signature),
        receivedAt: raw.receivedAt,
        source: raw.source === "codex" ? "codex" : "waku",
      };
    },
    putCommunity,
    pointer(communityId) {
      const raw = pointers?.get.get(communityId);
      if (pointers === undefined || raw === undefined) return undefined;
      const chain = pointers.chain?.get(communityId);
      return {
        communityId: raw.communityId,
        clock: raw.clock,
        cid: raw.cid,
        contentHash: new Uint8Array(raw.contentHash),
        size: raw.size,
        expiresAt: raw.expiresAt,
        signature: new Uint8Array(raw.signature),
        receivedAt: raw.receivedAt,
        ...(raw.fetchedAt === null ? {} : { fetchedAt: raw.fetchedAt }),
        ...(chain?.supersedesClock == null ? {} : { supersedesClock: chain.supersedesClock }),
        ...(chain?.supersedesCid == null ? {} : { supersedesCid: chain.supersedesCid }),
      };
    },
    putPointer,
    markPointerFetched(communityId, cid, at) {
      pointers?.fetched.run(at, communityId, cid);
    },
    replaceCommunity: (row, refused) => replaceCommunity(row, refused),
    replacePointer: (row, refused) => (pointers === undefined ? false : replacePointer(row, refused)),
  };
}

/** better-sqlite3 binds Buffers: a view of the same memory, no copy. */
function blob(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
