/**
 * `npm run bench -- state`: upgrade 0.1.0 -> 0.3.0 on a 1,000,000-row state database.
 *
 * - floor: the same migration SQL run directly through better-sqlite3 (WAL, one BEGIN IMMEDIATE
 *   per migration), no umzug, no checks;
 * - runner: openState at level 3 (umzug, lock, history and schema checks, quick_check before
 *   migrating, foreign_key_check and ledger row in each transaction);
 * - dry run: rehearseUpgrade (backup copies, migrations, integrity_check, foreign_key_check,
 *   release queries, down, row-by-row comparison), against the runner's real upgrade.
 * Rounds are interleaved so machine load hits every variant alike; medians are reported.
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { fmt, markdownTable, median } from "./support/measure.js";
import { openState, rehearseUpgrade, shippedCatalog, writeFixture, type UpgradeReport } from "../src/state/index.js";

const ROWS = Number(process.env["STATE_BENCH_ROWS"] ?? 1_000_000);
const ROUNDS = Number(process.env["STATE_BENCH_ROUNDS"] ?? 3);

function removeDb(path: string): void {
  for (const p of [path, `${path}-wal`, `${path}-shm`, `${path}.migrate-lock`]) rmSync(p, { force: true });
}

function floorUpgrade(path: string): void {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  for (const e of shippedCatalog().entries.slice(1)) {
    db.exec("BEGIN IMMEDIATE");
    for (const sql of e.definition.up) db.exec(sql);
    db.exec("COMMIT");
  }
  db.close();
}

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export async function run(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "scc-bench-state-"));
  try {
    const fixture = join(dir, "state-0.1.0.sqlite");
    const fixtureMs = await timed(() => writeFixture({ out: fixture, level: 1, rows: ROWS }));
    const bytes = statSync(fixture).size;
    const work = join(dir, "work.sqlite");
    const floor: number[] = [];
    const runner: number[] = [];
    const runnerNoPreflight: number[] = [];
    const dryRun: number[] = [];
    const realUpgrade: number[] = [];
    let lastReport: UpgradeReport | undefined;

    for (let round = 0; round < ROUNDS; round++) {
      removeDb(work);
      copyFileSync(fixture, work);
      floor.push(await timed(() => floorUpgrade(work)));

      removeDb(work);
      copyFileSync(fixture, work);
      runner.push(await timed(async () => (await openState({ path: work, level: 3 })).close()));

      removeDb(work);
      copyFileSync(fixture, work);
      runnerNoPreflight.push(await timed(async () => (await openState({ path: work, level: 3, preflight: "none" })).close()));

      dryRun.push(
        await timed(async () => {
          lastReport = await rehearseUpgrade({ path: fixture, from: "0.1.0", to: "0.3.0", dryRun: true, workDir: dir });
        }),
      );
      if (lastReport?.verdict !== "ok") throw new Error(`dry run failed: ${lastReport?.summary}`);

      removeDb(work);
      copyFileSync(fixture, work);
      realUpgrade.push(await timed(() => rehearseUpgrade({ path: work, from: "0.1.0", to: "0.3.0", dryRun: false, workDir: dir })));
    }

    const f = median(floor);
    const r = median(runner);
    const rn = median(runnerNoPreflight);
    const d = median(dryRun);
    const u = median(realUpgrade);
    const s = (ms: number): string => `${fmt(ms / 1000)} s`;
    const verdict = (ratio: number, goal: number): string => (ratio <= goal ? "meets goal" : "over goal");
    const table = markdownTable([
      { metric: "runner: openState 0.1.0 -> 0.3.0", value: s(r), floor: s(f), ratio: `${(r / f).toFixed(2)}x`, goal: "<= 1.1x", verdict: verdict(r / f, 1.1) },
      { metric: "runner without the quick_check preflight", value: s(rn), floor: s(f), ratio: `${(rn / f).toFixed(2)}x`, goal: "<= 1.1x", verdict: verdict(rn / f, 1.1) },
      { metric: "dry run (upgrade --dry-run)", value: s(d), floor: `${s(r)} (runner)`, ratio: `${(d / r).toFixed(2)}x`, goal: "<= 1.5x", verdict: verdict(d / r, 1.5) },
      { metric: "upgrade without --dry-run (checks on a copy, then the real run)", value: s(u), floor: `${s(r)} (runner)`, ratio: `${(u / r).toFixed(2)}x`, goal: "", verdict: "" },
    ]);
    const breakdown = (lastReport?.checks ?? [])
      .filter((c) => c.ms !== undefined)
      .map((c) => `| ${c.title} | ${fmt((c.ms as number) / 1000)} s |`)
      .join("\n");
    return [
      `${ROWS.toLocaleString("en-US")} rows at level 1 (${(bytes / 2 ** 20).toFixed(0)} MiB, written in ${fmt(fixtureMs / 1000)} s by \`state fixture\`), ` +
        `upgraded to level 3 (0002 adds tables and a column; 0003 retires thumbnails and drops the column, rewriting inline_attachments). ` +
        `Median of ${ROUNDS} interleaved rounds; each round starts from a fresh copy of the fixture.`,
      "",
      table,
      "",
      "Where the dry run's time goes (last round):",
      "",
      "| step | time |",
      "|---|---|",
      breakdown,
    ].join("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
