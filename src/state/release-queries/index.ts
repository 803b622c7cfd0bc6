import type Database from "better-sqlite3";
import { SeededRandom } from "../fixture/seeded-random.js";
import { StateError } from "../state-error.js";
import { level1Queries, LEVEL1_SQL } from "./level-1.js";
import { level2Queries, LEVEL2_SQL } from "./level-2.js";
import { level3Queries, LEVEL3_SQL } from "./level-3.js";
import type { LevelQueries } from "./query-check.js";

export type { LevelQueries, QueryCheck, QueryRandom } from "./query-check.js";
export { LEVEL1_SQL, LEVEL2_SQL, LEVEL3_SQL };

const BY_LEVEL: ReadonlyMap<number, LevelQueries> = new Map([level1Queries, level2Queries, level3Queries].map((q) => [q.level, q]));

export function queriesForLevel(level: number): LevelQueries {
  const q = BY_LEVEL.get(level);
  if (q === undefined) throw new StateError("E_STATE_LEVEL_UNKNOWN", `no release queries for state level ${level}`, { details: { level } });
  return q;
}

export interface QueryRunResult {
  readonly level: number;
  readonly passed: readonly string[];
  readonly failed: readonly { readonly name: string; readonly error: string }[];
}

/**
 * Runs one level's release queries against `db` inside a transaction (or savepoint) that is
 * rolled back, so the file is left exactly as it was. Each check runs in its own nested savepoint: one failure does
 * not hide the others.
 */
export function runReleaseQueries(db: Database.Database, level: number, seed = 1): QueryRunResult {
  const { checks } = queriesForLevel(level);
  const rnd = new SeededRandom(seed, 1 << 16);
  const passed: string[] = [];
  const failed: { name: string; error: string }[] = [];
  // A plain transaction rolled back when we own it: a released savepoint would commit (and so
  // checkpoint) pages that were dirtied and restored.
  const outer = !db.inTransaction;
  db.exec(outer ? "BEGIN" : "SAVEPOINT release_queries");
  try {
    for (const check of checks) {
      db.exec("SAVEPOINT release_query");
      try {
        check.run(db, rnd);
        passed.push(check.name);
        db.exec("RELEASE release_query");
      } catch (error) {
        db.exec("ROLLBACK TO release_query");
        db.exec("RELEASE release_query");
        failed.push({ name: check.name, error: (error as Error).message });
      }
    }
  } finally {
    if (outer) db.exec("ROLLBACK");
    else {
      db.exec("ROLLBACK TO release_queries");
      db.exec("RELEASE release_queries");
    }
  }
  return { level, passed, failed };
}
