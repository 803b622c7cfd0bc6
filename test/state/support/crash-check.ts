/** The checks crash-safety.test.ts makes on a file a SIGKILLed migration left (run by crash-check-child.ts). */
import Database from "better-sqlite3";
import { inspectState, migrateState } from "../../../src/state/index.js";

const LEVEL1_TABLES = ["settings", "peers", "communities", "segments", "inline_attachments"] as const;

export interface KilledFileCounts {
  level: number;
  counts: Record<string, number>;
  /** At level 3 the retired table's rows; below, the attachments with a thumbnail. */
  thumbnails: number;
}

export function countRows(db: Database.Database): KilledFileCounts {
  const level = db.pragma("user_version", { simple: true }) as number;
  const counts = Object.fromEntries(LEVEL1_TABLES.map((t) => [t, db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number]));
  const thumbnails =
    level >= 3
      ? (db.prepare("SELECT count(*) FROM _retired_inline_attachment_thumbnails").pluck().get() as number)
      : (db.prepare("SELECT count(*) FROM inline_attachments WHERE thumbnail IS NOT NULL").pluck().get() as number);
  return { level, counts, thumbnails };
}

/** Rows of the base's level-1 data missing or changed after the upgrade (thumbnails in the retired table). */
function differencesFromBase(db: Database.Database, base: string): number {
  db.prepare("ATTACH DATABASE ? AS base").run(base);
  try {
    const checks = [
      `SELECT count(*) FROM base.peers b LEFT JOIN peers a USING (public_key)
         WHERE a.public_key IS NULL OR a.protocol_min IS NOT b.protocol_min OR a.protocol_max IS NOT b.protocol_max OR a.seen_at IS NOT b.seen_at`,
      `SELECT count(*) FROM base.communities b LEFT JOIN communities a USING (id)
         WHERE a.id IS NULL OR a.clock IS NOT b.clock OR a.description IS NOT b.description OR a.signature IS NOT b.signature OR a.received_at IS NOT b.received_at`,
      `SELECT count(*) FROM base.segments b LEFT JOIN segments a USING (message_hash, idx)
         WHERE a.idx IS NULL OR a.count IS NOT b.count OR a.payload IS NOT b.payload OR a.received_at IS NOT b.received_at`,
      `SELECT count(*) FROM base.inline_attachments b LEFT JOIN inline_attachments a USING (id)
         LEFT JOIN _retired_inline_attachment_thumbnails r ON r.id = b.id
         WHERE a.id IS NULL OR a.message_id IS NOT b.message_id OR a.mime IS NOT b.mime OR a.file_name IS NOT b.file_name
            OR a.data IS NOT b.data OR a.created_at IS NOT b.created_at OR r.thumbnail IS NOT b.thumbnail`,
      `SELECT count(*) FROM base.settings b LEFT JOIN settings a USING (key) WHERE a.value IS NOT b.value`,
    ];
    return checks.reduce((sum, sql) => sum + (db.prepare(sql).pluck().get() as number), 0);
  } finally {
    db.exec("DETACH DATABASE base");
  }
}

function withDb<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export interface CrashCheck {
  /** inspectState's problem with the file as the kill left it (null: clean). */
  problem: string | null;
  killed: KilledFileCounts & { integrity: string };
  /** The level the next run (migrate up, lock timeout 1 s: the killed process's lock must be gone) ended at. */
  finishedLevel: number;
  /** Rows of the base missing or changed once it finished. */
  differences: number;
}

/** What crash-safety.test.ts asserts about a file a killed migration left, computed in the checking child. */
export async function checkKilledFile(path: string, base: string): Promise<CrashCheck> {
  const status = inspectState(path);
  const killed = withDb(path, (db) => ({
    ...countRows(db),
    integrity: (db.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check).join("; "),
  }));
  const done = await migrateState({ path, direction: "up", lockTimeoutMs: 1_000 });
  return {
    problem: status.problem === undefined ? null : `${status.problem.code}: ${status.problem.message}`,
    killed,
    finishedLevel: done.after.level,
    differences: withDb(path, (db) => differencesFromBase(db, base)),
  };
}

