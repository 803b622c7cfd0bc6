import { mkdtempSync, rmSync } from "node:fs";
import { copyFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { inspectState } from "../../src/state/index.js";
import { spawnSupport } from "./support/child.js";
import { countRows, type CrashCheck } from "./support/crash-check.js";
import { sharedFixture } from "./support/shared-fixture.js";

/**
 * A client killed with SIGKILL at random moments while migrating a 200,000-row database. After
 * every kill the file must open at a clean level, pass integrity_check, have lost no row, and let
 * the next run finish. The seed is printed in the suite name; replay with STATE_CRASH_SEED.
 */
const SEED = Number(process.env["STATE_CRASH_SEED"] ?? (Date.now() % 2 ** 31));
const KILLS = 20;
const ROWS = 200_000;

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface Baseline {
  counts: Record<string, number>;
  thumbnails: number;
}

/** A checking child (crash-check-child.ts): one file at a time, answers in order. */
interface Checker {
  check(path: string): Promise<CrashCheck>;
  close(): Promise<unknown>;
}

function startChecker(base: string): Checker {
  const child = spawnSupport("crash-check-child.ts", [base]);
  const pending: { resolve: (c: CrashCheck) => void; reject: (e: Error) => void }[] = [];
  let answered = 0;
  child.process.stdout.on("data", () => {
    // The helper's own listener came first: its lines() already hold this chunk.
    const lines = child.lines();
    while (answered < lines.length) {
      const answer = JSON.parse(lines[answered++] as string) as CrashCheck | { error: string };
      const waiter = pending.shift();
      if ("error" in answer) waiter?.reject(new Error(`the checking child failed: ${answer.error}`));
      else waiter?.resolve(answer);
    }
  });
  void child.exited.then((exit) => {
    for (const w of pending.splice(0)) w.reject(new Error(`the checking child ended (${exit.code ?? exit.signal}): ${exit.stderr}`));
  });
  return {
    check: (path) =>
      new Promise((resolve, reject) => {
        pending.push({ resolve, reject });
        child.process.stdin.write(`${path}\n`);
      }),
    close: () => {
      child.process.stdin.end();
      return child.exited;
    },
  };
}

/** Runs an uninterrupted child on a copy of `base`: ms from its "ready" to its exit. */
async function calibrate(base: string, path: string): Promise<number> {
  await copyFile(base, path);
  const child = spawnSupport("migrate-child.ts", [path]);
  await child.waitFor("ready");
  const started = performance.now();
  const exit = await child.exited;
  const ms = performance.now() - started;
  expect(exit.code, exit.stderr).toBe(0);
  expect(inspectState(path).level).toBe(3);
  return ms;
}

describe(`crash safety: SIGKILL during migration (seed ${SEED}, ${KILLS} kills, ${ROWS.toLocaleString("en-US")} rows)`, () => {
  let dir: string;
  let base: string;
  let baseline: Baseline;
  let migrateMs: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "scc-crash-"));
    base = join(dir, "base.db");
    // A copy: the checkers attach the base, which leaves -wal/-shm beside it.
    await copyFile(await sharedFixture({ level: 1, rows: ROWS }), base);
    const db = new Database(base, { readonly: true });
    try {
      const { counts, thumbnails } = countRows(db);
      baseline = { counts, thumbnails };
    } finally {
      db.close();
    }
    // Calibrate: how long an uninterrupted child takes from "ready" to exit, two at once as the
    // kills run (one alone is faster, and delays drawn from its time would miss the end).
    const times = await Promise.all([0, 1].map((n) => calibrate(base, join(dir, `calibrate-${n}.db`))));
    migrateMs = Math.max(...times);
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("every kill leaves a clean level, integrity ok, no row lost, and the next run completes", async () => {
    const random = mulberry32(SEED);
    // Drawn up front, in kill order: the seed replays the same delays whichever lane runs a kill.
    const fractions = Array.from({ length: KILLS }, () => random());
    const outcomes: { delayMs: number; signal: string | null; level: number }[] = [];

    /** Kill i: a child migrating a copy of the base, SIGKILLed after its delay; then the checker's verdict. */
    const killRound = async (i: number, checker: Checker): Promise<void> => {
      const path = join(dir, `kill-${i}.db`);
      await copyFile(base, path);
      const child = spawnSupport("migrate-child.ts", [path]);
      await child.waitFor("ready");
      const delayMs = Math.floor((fractions[i] as number) * migrateMs * 1.1);
      const timer = setTimeout(() => child.process.kill("SIGKILL"), delayMs);
      const exit = await child.exited;
      clearTimeout(timer);
      const where = `kill ${i} after ${delayMs} ms (seed ${SEED})`;

      const c = await checker.check(path);
      expect(c.problem, where).toBeNull();
      outcomes.push({ delayMs, signal: exit.signal, level: c.killed.level });
      expect(c.killed.integrity, where).toBe("ok");
      expect([1, 2, 3], where).toContain(c.killed.level);
      expect(c.killed.counts, where).toEqual(baseline.counts);
      expect(c.killed.thumbnails, where).toBe(baseline.thumbnails);

      // The killed process's lock is gone (the checker's run waits 1 s for it) and the run completes.
      expect(c.finishedLevel, where).toBe(3);
      expect(c.differences, where).toBe(0);
      await rm(path, { force: true });
      await rm(`${path}.migrate-lock`, { force: true });
    };

    // Two lanes, each with its own checker: one lane's child migrates while the other's file is
    // checked and finished, off this thread, so the kill timers fire on time.
    let next = 0;
    let failed = false;
    const lane = async (): Promise<void> => {
      const checker = startChecker(base);
      try {
        // A failed kill stops the other lane too, before the folder is removed under it.
        for (let i = next++; i < KILLS && !failed; i = next++) await killRound(i, checker);
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        await checker.close();
      }
    };
    for (const settled of await Promise.allSettled([lane(), lane()])) if (settled.status === "rejected") throw settled.reason;
    expect(outcomes).toHaveLength(KILLS);
    // The delays span the migration, so some kills must have interrupted it.
    expect(outcomes.some((o) => o.signal === "SIGKILL" && o.level < 3), JSON.stringify(outcomes)).toBe(true);
  }, 240_000);
});
