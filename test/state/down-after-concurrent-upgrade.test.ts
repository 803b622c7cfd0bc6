import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { silentLogger } from "../../src/obs/index.js";
import { acquireMigrationLock, inspectState, shippedCatalog } from "../../src/state/index.js";
import { readAssessment } from "../../src/state/read-assessment.js";
import { runMigrations } from "../../src/state/migration-runner.js";
import { startCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture } from "./support/files.js";

/**
 * `migrate down` judges the file, then waits for the migration lock. When another process upgraded
 * the file meanwhile (an app of the newer release starting, a second engineer's `migrate up`), the
 * waiting down went on to the target it had computed from the file as it was: a `down` of a level-2
 * file (revert 0002) that waited while 0003 was applied reverted 0003 and 0002, two steps, dropping
 * what the other process had just written, on flags (--discard-data) given for a one-step rollback
 * the user had looked at. It must re-read the file after the lock and refuse when it moved on.
 */
async function upgradeInside(db: Database.Database, path: string): Promise<void> {
  const catalog = shippedCatalog();
  const a = readAssessment(db, catalog, path);
  const through = catalog.lastOfLevel(3);
  if (through === undefined) throw new Error("no level 3 in this build");
  await runMigrations(db, catalog, { direction: "up", through }, a.lastKnown, { path, logger: silentLogger() });
}

describe("migrate down waiting for the lock while another process upgrades the file", () => {
  test.each([
    ["without --to", []],
    ["with --to 0001_level1_waku_only", ["--to", "0001_level1_waku_only"]],
  ] as const)(
    "%s: refused with E_STATE_CHANGED (exit 4) naming both levels, nothing reverted: the file stays at the level the other process left",
    async (_what, to) => {
      const path = copyFixture(2, tempDir());
      // Another process: holds the migration lock while it upgrades the file 2 -> 3.
      const lock = await acquireMigrationLock(path);
      let upgraded = false;
      try {
        const cli = startCli(["migrate", "down", "--db", path, ...to, "--discard-data", "--discard-unfinished-jobs", "--lock-timeout", "60000"], { STATUS_COMPAT_LOG_LEVEL: "info" });
        await Promise.race([cli.stderrHas("waiting for another process to finish migrating"), cli.closed]);
        expect(cli.output.stderr, "the down must wait for the lock").toContain("waiting for another process to finish migrating");
        const db = new Database(path);
        try {
          db.exec("BEGIN IMMEDIATE");
          await upgradeInside(db, path);
          db.exec("COMMIT");
          upgraded = true;
        } finally {
          db.close();
        }
        lock.release();
        const ended = await cli.closed;
        expect(upgraded).toBe(true);
        expect(ended, cli.output.stderr.slice(-2000)).toEqual({ code: 4, signal: null });
        expect(cli.output.stdout).toBe("");
        expect(cli.output.stderr).toMatch(/error\[E_STATE_CHANGED\]: .*level 2 .*level 3/);
        expect(inspectState(path)).toMatchObject({ level: 3, compatLevel: 2, problem: undefined });
      } finally {
        lock.release();
      }
    },
    120_000,
  );
});
