import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { createLogger, silentLogger } from "../../src/obs/index.js";
import { inspectState, migrateState, openState, shippedCatalog } from "../../src/state/index.js";
import { readAssessment } from "../../src/state/read-assessment.js";
import { runMigrations } from "../../src/state/migration-runner.js";
import { tempDir } from "../support/temp-dir.js";

/**
 * `migrate down` without --to reverts the last migration applied. It decided which one twice:
 * from the file as it found it (the data-loss and journal refusals, what it printed) and again
 * inside its write transaction, after waiting for the lock. When another run (the same command
 * given twice, a retried CI step) reverted that migration meanwhile, the waiting one reverted the
 * one before it as well: 3 -> 1 for two commands that each asked for one step, dropping what
 * level 2 holds (every table, from level 1), and logged that it discarded journal rows it never
 * touched.
 */
function capture(): { logger: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const logger = createLogger({
    level: "info",
    destination: { write: (line: string) => void out.push(line) },
  });
  return { logger, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Reverts the last migration of `path` on connection `db`, inside the write transaction the caller holds (another process's run). */
async function revertLastInside(db: Database.Database, path: string): Promise<void> {
  const catalog = shippedCatalog();
  const a = readAssessment(db, catalog, path);
  await runMigrations(db, catalog, { direction: "down", steps: 1 }, a.lastKnown, { path, logger: silentLogger() });
}

async function levelFile(level: number, withJobs: boolean): Promise<string> {
  const path = join(tempDir(), "state.sqlite");
  const h = await openState({ path, level });
  if (withJobs) {
    h.db
      .prepare(
        `INSERT INTO upload_jobs (id, state, source_path, plaintext_size, piece_size, chunk_size, enc_key, nonce_prefix, mime, file_name, protocol, created_at, updated_at)
         VALUES ('u1', 'uploading', '/sdcard/a.jpg', 10, 4, 4, zeroblob(32), zeroblob(8), 'image/jpeg', 'a.jpg', 2, 1, 1)`,
      )
      .run();
  }
  h.close();
  return path;
}

describe("migrate down without --to, when another run reverted the same migration while it waited", () => {
  test("3 -> 2 twice at once ends at level 2: the waiting run finds nothing left to do (it went on to level 1)", async () => {
    const path = await levelFile(3, false);
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    // Judges the file (level 3: revert 0003) and waits for the write lock.
    const waiting = migrateState({ path, direction: "down", discardData: true, discardUnfinishedJobs: true, lockTimeoutMs: 60_000 });
    await revertLastInside(other, path);
    other.exec("COMMIT");
    other.close();
    const result = await waiting;
    expect({ runs: result.runs.map((r) => r.name), after: result.after }).toEqual({ runs: [], after: { level: 2, compatLevel: 1 } });
    expect(inspectState(path)).toMatchObject({ level: 2, problem: undefined });
  });

  test("2 -> 1 with discarded jobs, twice at once: the waiting run neither reverts 0001 nor logs a discard it did not make", async () => {
    const path = await levelFile(2, true);
    const { logger, lines } = capture();
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    const waiting = migrateState({ path, direction: "down", discardUnfinishedJobs: true, discardData: true, lockTimeoutMs: 60_000, logger });
    await revertLastInside(other, path);
    other.exec("COMMIT");
    other.close();
    const result = await waiting;
    expect({ runs: result.runs.map((r) => r.name), after: result.after.level, discarded: result.discarded }).toEqual({ runs: [], after: 1, discarded: undefined });
    expect(inspectState(path)).toMatchObject({ level: 1, problem: undefined });
    expect(lines().filter((l) => l["level"] === 40).map((l) => l["msg"])).toEqual([]);
  });

  test("an explicit --to keeps its meaning: down --to 0001 after another run reverted 0003 still ends at level 1", async () => {
    const path = await levelFile(3, false);
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    const waiting = migrateState({ path, direction: "down", to: "0001_level1_waku_only", discardData: true, discardUnfinishedJobs: true, lockTimeoutMs: 60_000 });
    await revertLastInside(other, path);
    other.exec("COMMIT");
    other.close();
    const result = await waiting;
    expect({ runs: result.runs.map((r) => r.name), after: result.after.level }).toEqual({ runs: ["0002_level2_dual_path"], after: 1 });
  });
});
