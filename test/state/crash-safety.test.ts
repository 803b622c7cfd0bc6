import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { inspectState, migrateState, writeFixture } from "../../src/state/index.js";
import { spawnSupport } from "./support/child.js";

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

const LEVEL1_TABLES = ["settings", "peers", "communities", "segments", "inline_attachments"] as const;

interface Baseline {
  counts: Record<string, number>;
  thumbnails: number;
}

function measure(path: string): { level: number; counts: Record<string, number>; thumbnails: number; integrity: string } {
  const db = new Database(path);
  try {
    const level = db.pragma("user_version", { simple: true }) as number;
    const counts = Object.fromEntries(LEVEL1_TABLES.map((t) => [t, db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number]));
    const thumbnails =
      level >= 3
        ? (db.prepare("SELECT count(*) FROM _retired_inline_attachment_thumbnails").pluck().get() as number)
        : (db.prepare("SELECT count(*) FROM inline_attachments WHERE thumbnail IS NOT NULL").pluck().get() as number);
    const integrity = (db.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check).join("; ");
    return { level, counts, thumbnails, integrity };
  } finally {
    db.close();
  }
}

/** Every value of the base's level-1 data is still there after the upgrade (thumbnails in the retired table). */
function sameDataAsBase(path: string, base: string): number {
  const db = new Database(path);
  try {
    db.prepare("ATTACH DATABASE ? AS base").run(base);
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
    db.close();
  }
}

describe(`crash safety: SIGKILL during migration (seed ${SEED}, ${KILLS} kills, ${ROWS.toLocaleString("en-US")} rows)`, () => {
  let dir: string;
  let base: string;
  let baseline: Baseline;
  let migrateMs: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "scc-crash-"));
    base = join(dir, "base.db");
    await writeFixture({ out: base, level: 1, rows: ROWS, seed: 7 });
    const m = measure(base);
    baseline = { counts: m.counts, thumbnails: m.thumbnails };
    // Calibrate: how long an uninterrupted child takes from "ready" to exit.
    const calib = join(dir, "calibrate.db");
    copyFileSync(base, calib);
    const child = spawnSupport("migrate-child.ts", [calib]);
    await child.waitFor("ready");
    const started = performance.now();
    const exit = await child.exited;
    migrateMs = performance.now() - started;
    expect(exit.code, exit.stderr).toBe(0);
    expect(measure(calib).level).toBe(3);
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("every kill leaves a clean level, integrity ok, no row lost, and the next run completes", async () => {
    const random = mulberry32(SEED);
    const outcomes: { delayMs: number; signal: string | null; level: number }[] = [];
    for (let i = 0; i < KILLS; i++) {
      const path = join(dir, `kill-${i}.db`);
      copyFileSync(base, path);
      const child = spawnSupport("migrate-child.ts", [path]);
      await child.waitFor("ready");
      const delayMs = Math.floor(random() * migrateMs * 1.1);
      const timer = setTimeout(() => child.process.kill("SIGKILL"), delayMs);
      const exit = await child.exited;
      clearTimeout(timer);
      const where = `kill ${i} after ${delayMs} ms (seed ${SEED})`;

      const status = inspectState(path);
      expect(status.problem, where).toBeUndefined();
      const after = measure(path);
      outcomes.push({ delayMs, signal: exit.signal, level: after.level });
      expect(after.integrity, where).toBe("ok");
      expect([1, 2, 3], where).toContain(after.level);
      expect(after.counts, where).toEqual(baseline.counts);
      expect(after.thumbnails, where).toBe(baseline.thumbnails);

      // The killed process's lock is gone (short timeout) and the run completes.
      const done = await migrateState({ path, direction: "up", lockTimeoutMs: 1_000 });
      expect(done.after.level, where).toBe(3);
      expect(sameDataAsBase(path, base), where).toBe(0);
      rmSync(path, { force: true });
      rmSync(`${path}.migrate-lock`, { force: true });
    }
    // The delays span the migration, so some kills must have interrupted it.
    expect(outcomes.some((o) => o.signal === "SIGKILL" && o.level < 3), JSON.stringify(outcomes)).toBe(true);
  }, 240_000);
});
