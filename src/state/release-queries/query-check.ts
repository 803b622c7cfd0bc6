import { isDeepStrictEqual } from "node:util";
import type Database from "better-sqlite3";
import type { RandomSource } from "../fixture/seeded-random.js";

/**
 * Where a check draws the values of the rows it writes (runReleaseQueries passes a seeded one, so a
 * run is repeatable). A structural type: the check's signature named the fixture's SeededRandom
 * class, which the package does not export, so an app or CI writing a check of its own, or running
 * a level's checks itself, could not name or make the argument. SeededRandom fits it.
 */
export type QueryRandom = RandomSource;

/** One thing a release does with its state: write with its own SQL, read back with its own SQL. */
export interface QueryCheck {
  readonly name: string;
  run(db: Database.Database, rnd: QueryRandom): void;
}

/** The queries release code at one level runs, as checks that pass only if they still work. */
export interface LevelQueries {
  readonly level: number;
  readonly checks: readonly QueryCheck[];
}

/** Normalises Buffers to plain bytes so rows compare by value. */
function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return [...value];
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

export function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(plain(actual), plain(expected))) {
    throw new Error(`${what}: read back something other than was written`);
  }
}
