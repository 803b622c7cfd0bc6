import type Database from "better-sqlite3";
import { LEVEL1_SQL } from "../../state/index.js";
import { keyStartsWith } from "./settings-key-range.js";

export interface AvailabilityRow {
  cid: string;
  uploaded_at: number;
  expires_at: number;
  referenced: number;
  renewed_at: number | null;
}

/**
 * The settings key (no schema change; a release before it ignores the key) holding when renewal
 * last began a network read of a piece only the network could renew (its source gone) that did not
 * give it back, decimal ms on the client's clock, and ` absent` after it once every endpoint
 * answered definitely that it lacks the piece: renewal reads such a piece at most once an interval.
 */
const NETWORK_READ_PREFIX = "renewal-network-read:";

/** After the time: the endpoints answered definitely that they lack the piece (renew-pieces.ts foundNowhere). */
const ABSENT = " absent";

export interface NetworkRead {
  readonly at: number;
  readonly foundNowhere: boolean;
}

/** The availability table: when each uploaded piece expires on Codex, and whether a message still needs it. */
export class AvailabilityJournal {
  private readonly upsert: Database.Statement;
  private readonly select: Database.Statement;
  private readonly due: Database.Statement;
  private readonly renewRow: Database.Statement;
  private readonly setReferenced: Database.Statement;
  private readonly deleteOrphans: Database.Statement;
  private readonly getSetting: Database.Statement;
  private readonly putSetting: Database.Statement;
  private readonly deleteSetting: Database.Statement;
  private readonly deleteStaleReads: Database.Statement;

  constructor(db: Database.Database) {
    this.upsert = db.prepare(
      `INSERT INTO availability (cid, uploaded_at, expires_at, referenced, renewed_at) VALUES (@cid, @uploaded_at, @expires_at, 1, NULL)
       ON CONFLICT (cid) DO UPDATE SET uploaded_at = excluded.uploaded_at, expires_at = max(expires_at, excluded.expires_at), referenced = 1`,
    );
    this.select = db.prepare(`SELECT * FROM availability WHERE cid = ?`);
    this.due = db.prepare(`SELECT * FROM availability WHERE referenced = 1 AND (expires_at <= ? OR expires_at > ?) ORDER BY expires_at, cid`);
    this.renewRow = db.prepare(`UPDATE availability SET expires_at = ?, renewed_at = ? WHERE cid = ?`);
    this.setReferenced = db.prepare(`UPDATE availability SET referenced = ? WHERE cid = ?`);
    this.deleteOrphans = db.prepare(`DELETE FROM availability WHERE referenced = 0 AND cid NOT IN (SELECT cid FROM upload_pieces)`);
    this.getSetting = db.prepare(LEVEL1_SQL.getSetting).pluck();
    this.putSetting = db.prepare(LEVEL1_SQL.upsertSetting);
    this.deleteSetting = db.prepare(`DELETE FROM settings WHERE key = ?`);
    this.deleteStaleReads = db.prepare(
      `DELETE FROM settings WHERE ${keyStartsWith(NETWORK_READ_PREFIX)} AND substr(key, ${NETWORK_READ_PREFIX.length + 1}) NOT IN (
         SELECT cid FROM availability WHERE referenced = 1)`,
    );
  }

  uploaded(cid: string, uploadedAt: number, expiresAt: number): void {
    this.upsert.run({ cid, uploaded_at: uploadedAt, expires_at: expiresAt });
  }

  get(cid: string): AvailabilityRow | undefined {
    return this.select.get(cid) as AvailabilityRow | undefined;
  }

  /**
   * Referenced pieces expiring at or before `before`, and those expiring after `latest` (later than
   * a piece stored now would: journaled while the clock ran ahead, so their real TTL is unknown).
   */
  dueBefore(before: number, latest: number): AvailabilityRow[] {
    return this.due.all(before, latest) as AvailabilityRow[];
  }

  renewed(cid: string, expiresAt: number, now: number): void {
    this.renewRow.run(expiresAt, now, cid);
  }

  /** When the last network read of `cid` that did not give it back began, and whether the endpoints answered it without the piece. */
  lastNetworkRead(cid: string): NetworkRead | undefined {
    const value = this.getSetting.get(NETWORK_READ_PREFIX + cid) as string | undefined;
    // Anything but what this wrote (a row edited by hand) is no read: the piece is read again.
    // ` nowhere` was written by builds that took timeouts and broken-off reads for that answer too (a
    // network silently dropping connections gave up pieces the node held): a read only, so such a
    // piece is read again an interval later, and given up only on a definite answer.
    const parsed = value === undefined ? null : /^(\d+)( absent| nowhere)?$/.exec(value);
    return parsed === null ? undefined : { at: Number(parsed[1]), foundNowhere: parsed[2] === ABSENT };
  }

  /** Journals `read` (or, undefined, that none counts). */
  networkRead(cid: string, read: NetworkRead | undefined): void {
    if (read === undefined) this.deleteSetting.run(NETWORK_READ_PREFIX + cid);
    else this.putSetting.run({ key: NETWORK_READ_PREFIX + cid, value: `${Math.floor(read.at)}${read.foundNowhere ? ABSENT : ""}` });
  }

  /** Forgets the failed reads of pieces no longer referenced (released, dropped): nothing reads them again. */
  dropStaleNetworkReads(): void {
    this.deleteStaleReads.run();
  }

  reference(cid: string, referenced: boolean): void {
    this.setReferenced.run(referenced ? 1 : 0, cid);
  }

  /** Drops released pieces whose upload the journal has forgotten: nothing renews or reports them any more. */
  dropOrphans(): number {
    return this.deleteOrphans.run().changes;
  }
}
