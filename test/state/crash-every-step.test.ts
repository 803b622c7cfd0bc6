import { createHash } from "node:crypto";
import { copyFileSync, rmSync } from "node:fs";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { inspectState, migrateState, writeFixture } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { spawnSupport } from "./support/child.js";

/**
 * A `migrate down` 3 -> 1 (the data-dropping direction, with both discard options) killed with
 * SIGKILL at every one of its steps in turn: before BEGIN, before each migration statement,
 * before COMMIT, before each close. crash-safety.test.ts kills `up` at random moments; this
 * walks `down` step by step. After every kill the file must be clean (bookkeeping agreeing with
 * the schema), pass integrity_check, hold exactly the data of level 3 or exactly that of a
 * finished down, never anything in between, and the next run must finish the down.
 */

/** Every row of every table but the runner's own (whose times differ per run), as one digest. */
function digest(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db
      .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_state\\_%' ESCAPE '\\' ORDER BY name`)
      .pluck()
      .all() as string[];
    const hash = createHash("sha256");
    for (const t of tables) {
      hash.update(`${t}\n`);
      for (const row of db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).iterate()) hash.update(JSON.stringify(row));
    }
    return hash.digest("hex");
  } finally {
    db.close();
  }
}

function integrity(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return (db.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check).join("; ");
  } finally {
    db.close();
  }
}

describe("crash safety: migrate down killed at every step", () => {
  test("every kill leaves level 3 as it was or level 1 as a finished down leaves it, clean, and the next run finishes it", async () => {
    const dir = tempDir();
    const base = join(dir, "base.sqlite");
    await writeFixture({ out: base, level: 3, rows: 3_000, seed: 11 });
    const before = digest(base);
    const reference = join(dir, "reference.sqlite");
    copyFileSync(base, reference);
    await migrateState({ path: reference, direction: "down", to: "0001_level1_waku_only", discardUnfinishedJobs: true, discardData: true });
    const after = digest(reference);
    expect(after).not.toBe(before);

    /** Stops a child before its nth step, kills it there, checks the file and finishes the down; what it saw, or "done". */
    const killAt = async (n: number): Promise<string> => {
      const path = join(dir, `kill-${n}.sqlite`);
      await copyFile(base, path);
      const child = spawnSupport("pause-child.ts", [path, "down", "0001_level1_waku_only", String(n)]);
      // The child's first line says where it stopped (or that it ran to the end); a child that dies first has none.
      const seen = (): string | undefined => child.lines().find((l) => l.startsWith("paused ") || l === "done");
      const paused = await new Promise<string | undefined>((resolve) => {
        // Registered after the helper's own listener, so its lines() already hold the chunk.
        const onData = (): void => {
          const line = seen();
          if (line === undefined) return;
          child.process.stdout.off("data", onData);
          resolve(line);
        };
        child.process.stdout.on("data", onData);
        void child.exited.then(() => resolve(seen()));
      });
      if (paused?.startsWith("paused ") === true) child.process.kill("SIGKILL");
      const exit = await child.exited;
      if (paused === "done") {
        expect(exit.code, exit.stderr).toBe(0);
        rmSync(path, { force: true });
        return "done";
      }
      const where = `killed at ${paused ?? "?"} (exit ${exit.code ?? exit.signal}: ${exit.stderr.slice(0, 300)})`;
      expect(paused, where).toMatch(/^paused \d+ /);
      const status = inspectState(path);
      expect(status.problem, where).toBeUndefined();
      expect(integrity(path), where).toBe("ok");
      const content = digest(path);
      expect([`3 ${before}`, `1 ${after}`], where).toContain(`${status.level} ${content}`);

      const done = await migrateState({ path, direction: "down", to: "0001_level1_waku_only", discardUnfinishedJobs: true, discardData: true, lockTimeoutMs: 5_000 });
      expect(done.after.level, where).toBe(1);
      expect(digest(path), where).toBe(after);
      for (const suffix of ["", "-wal", "-shm", ".migrate-lock"]) rmSync(`${path}${suffix}`, { force: true });
      return `${paused}: level ${status.level}`;
    };

    // Two steps at a time: each child stops at a step it is told, so the kills land where they
    // would one at a time, and one child's start overlaps the other's checks. Walked until a
    // child runs to the end.
    const outcomes: string[] = [];
    for (let n = 1; ; n += 2) {
      const pair = await Promise.all([killAt(n), killAt(n + 1)]);
      outcomes.push(...pair.filter((o) => o !== "done"));
      if (pair.includes("done")) break;
    }
    // The walk passed BEGIN, every statement of both downs and COMMIT, and killed on both sides of the commit.
    const text = outcomes.join("\n");
    expect(outcomes.length, text).toBeGreaterThanOrEqual(18);
    expect(text).toMatch(/paused \d+ BEGIN IMMEDIATE: level 3/);
    expect(text).toMatch(/paused \d+ COMMIT: level 3/);
    expect(text).toMatch(/paused \d+ close: level 1/);
    expect(text).toMatch(/paused \d+ ALTER TABLE communities DROP: level 3/);
  }, 600_000);
});
