/**
 * writeFixture's seed is read as 32 bits (SeededRandom takes `seed >>> 0`): a seed of 2^32 wrote
 * the data of seed 0, 1.5 that of 1, -1 that of 4294967295, NaN and Infinity that of 0, and the
 * summary named the seed as given, so two "different" fixtures were the same file's data without a
 * word. A seed outside 0..2^32-1, or not a whole number, is now a RangeError naming the range, as
 * for the other number options (lockTimeoutMs, busyTimeoutMs); and a bad `rows` is one too, where it
 * was E_STATE_LEVEL_UNKNOWN, the code of a level or release the build does not know. Nothing is
 * written either way. The CLI's --seed takes the same range (a usage error, exit 2, past it).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect, test } from "vitest";
import { writeFixture, type WriteFixtureOptions } from "../../src/state/index.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

async function refusal(options: Record<string, unknown>): Promise<unknown> {
  return writeFixture(options as unknown as WriteFixtureOptions).then(
    () => undefined,
    (e: unknown) => e,
  );
}

function peers(path: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT * FROM peers ORDER BY rowid").all();
  } finally {
    db.close();
  }
}

test("a seed that is no whole number from 0 to 2^32-1 is refused with a RangeError naming the range, nothing written", async () => {
  const dir = tempDir();
  for (const seed of [2 ** 32, 2 ** 40, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "7"]) {
    const error = await refusal({ out: join(dir, "f.sqlite"), level: 1, rows: 50, seed });
    expect(error, String(seed)).toBeInstanceOf(RangeError);
    expect((error as Error).message, String(seed)).toMatch(/seed/);
    expect((error as Error).message, String(seed)).toMatch(/4294967295/);
    expect(readdirSync(dir), String(seed)).toEqual([]);
  }
});

test("the ends of the range are taken, and each gives data of its own", async () => {
  const dir = tempDir();
  const low = join(dir, "low.sqlite");
  const high = join(dir, "high.sqlite");
  expect((await writeFixture({ out: low, level: 1, rows: 50, seed: 0 })).seed).toBe(0);
  expect((await writeFixture({ out: high, level: 1, rows: 50, seed: 2 ** 32 - 1 })).seed).toBe(2 ** 32 - 1);
  expect(peers(low)).not.toEqual(peers(high));
});

test("a bad rows is a RangeError naming rows, not E_STATE_LEVEL_UNKNOWN", async () => {
  const dir = tempDir();
  for (const rows of [-1, 1.5, Number.NaN, "10"]) {
    const error = await refusal({ out: join(dir, "f.sqlite"), level: 1, rows });
    expect(error, String(rows)).toBeInstanceOf(RangeError);
    expect((error as Error).message, String(rows)).toMatch(/rows/);
    expect(readdirSync(dir), String(rows)).toEqual([]);
  }
});

test("state fixture --seed past 2^32-1 is a usage error naming the range, nothing written", async () => {
  const dir = tempDir();
  const r = await runCliInProcess(["state", "fixture", "--release", "0.1.0", "--rows", "10", "--seed", "4294967296", "--out", join(dir, "f.sqlite")]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/--seed/);
  expect(r.stderr).toMatch(/4294967295/);
  expect(readdirSync(dir)).toEqual([]);
  expect((await runCliInProcess(["state", "fixture", "--release", "0.1.0", "--rows", "10", "--seed", "4_294_967_295", "--out", join(dir, "f.sqlite")])).code).toBe(0);
});
