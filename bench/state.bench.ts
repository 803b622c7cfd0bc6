/**
 * `npm run bench -- state`: upgrade 0.1.0 -> 0.3.0 on a 1,000,000-row state database.
 *
 * - floor: the same migration SQL run directly through better-sqlite3 (WAL, foreign keys on), in
 *   one BEGIN IMMEDIATE … COMMIT like the runner; open and close (with its checkpoint) included.
 *   The old floor, one transaction per migration, is measured too, for reference;
 * - runner: openState at level 3 (umzug, lock, history and schema checks inside the transaction,
 *   quick_check + foreign_key_check on a worker thread alongside the migrations, ledger rows);
 * - dry run: rehearseUpgrade (backup copy, the runner on the copy, row counts, integrity_check
 *   and foreign_key_check alongside the release queries and `down`, row-by-row comparison with the
 *   original's snapshot), against both readings of "the real upgrade": the `upgrade` command
 *   without --dry-run (the issue's: the same checks on a copy, then the real run) and the bare runner.
 *
 * Every variant starts from a fresh copy of the fixture, fsynced, so no variant pays for another's
 * dirty pages. Rounds are interleaved so machine load hits every variant alike; medians and
 * ranges are reported with the load average. STATE_BENCH_ROWS and STATE_BENCH_ROUNDS override.
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { fmt, fsyncPath, markdownTable, median } from "./support/measure.js";
import { migrateState, openState, rehearseUpgrade, shippedCatalog, writeFixture, type MigrateStateResult, type UpgradeReport } from "../src/state/index.js";

const ROWS = Number(process.env["STATE_BENCH_ROWS"] ?? 1_000_000);
const ROUNDS = Number(process.env["STATE_BENCH_ROUNDS"] ?? 5);

function removeDb(path: string): void {
  for (const p of [path, `${path}-wal`, `${path}-shm`, `${path}.migrate-lock`]) rmSync(p, { force: true });
}

function freshCopy(fixture: string, path: string): void {
  removeDb(path);
  copyFileSync(fixture, path);
  fsyncPath(path);
}

interface FloorParts {
  statements: number;
  commit: number;
  close: number;
}

/** The floor, timed by part: open and pragmas, the statements, the commit(s), the close (its checkpoint). */
function floorUpgrade(path: string, oneTransaction: boolean, parts?: FloorParts[]): void {
  const p: FloorParts = { statements: 0, commit: 0, close: 0 };
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  const commit = (): void => {
    const start = performance.now();
    db.exec("COMMIT");
    p.commit += performance.now() - start;
  };
  if (oneTransaction) db.exec("BEGIN IMMEDIATE");
  for (const e of shippedCatalog().entries.slice(1)) {
    if (!oneTransaction) db.exec("BEGIN IMMEDIATE");
    const start = performance.now();
    for (const sql of e.definition.up) db.exec(sql);
    p.statements += performance.now() - start;
    if (!oneTransaction) commit();
  }
  if (oneTransaction) commit();
  const start = performance.now();
  db.close();
  p.close = performance.now() - start;
  parts?.push(p);
}

/** CPU time (user + system, every thread of this process: worker threads included) per variant, in ms. */
const cpu = new Map<string, number[]>();
let variantName = "";

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await fn();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpuStart);
  if (variantName !== "") cpu.set(variantName, [...(cpu.get(variantName) ?? []), (used.user + used.system) / 1000]);
  return wall;
}

const s = (ms: number): string => `${fmt(ms / 1000)} s`;
const spread = (v: readonly number[]): string => `${s(median(v))} (${fmt(Math.min(...v) / 1000)}–${fmt(Math.max(...v) / 1000)})`;
const ratio = (a: readonly number[], b: readonly number[]): string => `${(median(a) / median(b)).toFixed(2)}x`;
const verdict = (a: readonly number[], b: readonly number[], goal: number): string => (median(a) / median(b) <= goal ? "meets goal" : "over goal");
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(" / ");

export async function run(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "scc-bench-state-"));
  try {
    const loadBefore = load();
    const fixture = join(dir, "state-0.1.0.sqlite");
    const fixtureMs = await timed(() => writeFixture({ out: fixture, level: 1, rows: ROWS }));
    fsyncPath(fixture);
    const bytes = statSync(fixture).size;
    const work = join(dir, "work.sqlite");
    const t = { floor: [] as number[], floorPer: [] as number[], runner: [] as number[], runnerNone: [] as number[], migrate: [] as number[], dry: [] as number[], upgrade: [] as number[] };
    const runnerParts: MigrateStateResult[] = [];
    const reports: UpgradeReport[] = [];

    const floorParts: FloorParts[] = [];
    const variants: (() => Promise<void>)[] = [
      async () => {
        variantName = "floor";
        freshCopy(fixture, work);
        t.floor.push(await timed(() => floorUpgrade(work, true, floorParts)));
      },
      async () => {
        variantName = "runner";
        freshCopy(fixture, work);
        t.runner.push(await timed(async () => (await openState({ path: work, level: 3 })).close()));
      },
      async () => {
        variantName = "runnerNone";
        freshCopy(fixture, work);
        t.runnerNone.push(await timed(async () => (await openState({ path: work, level: 3, preflight: "none" })).close()));
      },
      async () => {
        variantName = "floorPer";
        freshCopy(fixture, work);
        t.floorPer.push(await timed(() => floorUpgrade(work, false)));
      },
      async () => {
        variantName = "migrate";
        freshCopy(fixture, work);
        t.migrate.push(await timed(async () => runnerParts.push(await migrateState({ path: work, direction: "up" }))));
      },
      async () => {
        variantName = "dry";
        t.dry.push(
          await timed(async () => {
            const report = await rehearseUpgrade({ path: fixture, from: "0.1.0", to: "0.3.0", dryRun: true, workDir: dir });
            if (report.verdict !== "ok") throw new Error(`dry run failed: ${report.summary}`);
            reports.push(report);
          }),
        );
      },
      async () => {
        variantName = "upgrade";
        freshCopy(fixture, work);
        t.upgrade.push(await timed(() => rehearseUpgrade({ path: work, from: "0.1.0", to: "0.3.0", dryRun: false, workDir: dir })));
      },
    ];
    // Each round starts one variant later, so no variant always runs right after the same one.
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < variants.length; i++) await (variants[(round + i) % variants.length] as () => Promise<void>)();
    }
    variantName = "";
    const loadAfter = load();

    const table = markdownTable([
      { metric: "runner: openState 0.1.0 -> 0.3.0", value: spread(t.runner), floor: spread(t.floor), ratio: ratio(t.runner, t.floor), goal: "<= 1.1x", verdict: verdict(t.runner, t.floor, 1.1) },
      { metric: "runner without the preflight (`preflight: \"none\"`)", value: spread(t.runnerNone), floor: spread(t.floor), ratio: ratio(t.runnerNone, t.floor), goal: "", verdict: "" },
      { metric: "`migrate up` (migrateState, same run)", value: spread(t.migrate), floor: spread(t.floor), ratio: ratio(t.migrate, t.floor), goal: "", verdict: "" },
      { metric: "floor with one transaction per migration", value: spread(t.floorPer), floor: spread(t.floor), ratio: ratio(t.floorPer, t.floor), goal: "", verdict: "" },
      { metric: "dry run vs `upgrade` without --dry-run (the issue's reading)", value: spread(t.dry), floor: spread(t.upgrade), ratio: ratio(t.dry, t.upgrade), goal: "<= 1.5x", verdict: verdict(t.dry, t.upgrade, 1.5) },
      { metric: "dry run vs the bare runner", value: spread(t.dry), floor: spread(t.runner), ratio: ratio(t.dry, t.runner), goal: "<= 1.5x", verdict: verdict(t.dry, t.runner, 1.5) },
      { metric: "`upgrade` without --dry-run vs the bare runner", value: spread(t.upgrade), floor: spread(t.runner), ratio: ratio(t.upgrade, t.runner), goal: "", verdict: "" },
    ]);

    const c = (name: string): number => median(cpu.get(name) ?? []);
    const cpuRows = [
      `| floor | ${s(c("floor"))} | 1.00x |`,
      `| runner (openState) | ${s(c("runner"))} | ${(c("runner") / c("floor")).toFixed(2)}x |`,
      `| runner without the preflight | ${s(c("runnerNone"))} | ${(c("runnerNone") / c("floor")).toFixed(2)}x |`,
      `| dry run | ${s(c("dry"))} | ${(c("dry") / c("floor")).toFixed(2)}x |`,
      `| \`upgrade\` without --dry-run | ${s(c("upgrade"))} | ${(c("upgrade") / c("floor")).toFixed(2)}x |`,
    ];
    const med = <T>(xs: readonly T[], f: (x: T) => number): string => s(median(xs.map(f)));
    const steps = (r: MigrateStateResult): number => r.runs.reduce((sum, x) => sum + x.durationMs, 0);
    const floorRest = floorParts.map((p, i) => (t.floor[i] as number) - p.statements - p.commit - p.close);
    const runnerRest = runnerParts.map((r, i) => (t.migrate[i] as number) - steps(r) - r.commitMs - (r.preflight?.waitedMs ?? 0));
    const runnerRows = [
      `| migration statements (runner: and its schema check after each) | ${med(floorParts, (p) => p.statements)} | ${med(runnerParts, steps)} |`,
      ...shippedCatalog().entries.slice(1).map((e) => `| … of which ${e.definition.name} | | ${med(runnerParts, (r) => r.runs.find((x) => x.name === e.definition.name)?.durationMs ?? 0)} |`),
      `| commit (WAL write; past 1000 pages, the checkpoint) | ${med(floorParts, (p) => p.commit)} | ${med(runnerParts, (r) => r.commitMs)} |`,
      `| quick_check + foreign_key_check on the worker thread (alongside, not on the path) | | ${med(runnerParts, (r) => r.preflight?.ms ?? 0)} |`,
      `| waiting for that verdict once the migrations were done | | ${med(runnerParts, (r) => r.preflight?.waitedMs ?? 0)} |`,
      `| the rest: open, pragmas, close (floor: the close's checkpoint alone ${med(floorParts, (p) => p.close)}); runner also: two assessments, locks, ledger rows | ${s(median(floorRest.map((r, i) => r + (floorParts[i] as FloorParts).close)))} | ${s(median(runnerRest))} |`,
      `| total | ${s(median(t.floor))} | ${s(median(t.migrate))} |`,
    ];

    const ids = (reports[0]?.checks ?? []).filter((c) => c.ms !== undefined).map((c) => [c.id, c.title] as const);
    const checkMs = (id: string): number[] => reports.map((r) => r.checks.find((c) => c.id === id)?.ms ?? 0);
    const dryRows = ids.map(([id, title]) => `| ${title} | ${s(median(checkMs(id)))} |`);

    return [
      `${ROWS.toLocaleString("en-US")} rows at level 1 (${(bytes / 2 ** 20).toFixed(0)} MiB, written in ${fmt(fixtureMs / 1000)} s by \`state fixture\`), ` +
        `upgraded to level 3 (0002 adds tables and a column; 0003 retires thumbnails and drops the column, rewriting inline_attachments). ` +
        `Median and range of ${ROUNDS} interleaved rounds; every variant starts from a fresh, fsynced copy of the fixture. ` +
        `${availableParallelism()} cores, shared; load average (1/5/15 min) ${loadBefore} before, ${loadAfter} after.`,
      "",
      table,
      "",
      "CPU time (user + system of every thread of the process, worker threads included; medians). Wall time on 2 cores can hide work done on the second core, CPU time cannot:",
      "",
      "| variant | CPU time | vs floor |",
      "|---|---|---|",
      ...cpuRows,
      "",
      "Where the runner's time goes (`migrate up`, which runs the same code as openState and reports its parts; medians):",
      "",
      "| part | floor | runner |",
      "|---|---|---|",
      ...runnerRows,
      "",
      "Where the dry run's time goes (medians; integrity_check and foreign_key_check run on a worker thread while the release queries, `down` and the comparison run, so they overlap the lines after them):",
      "",
      "| step | time |",
      "|---|---|",
      ...dryRows,
    ].join("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
