/**
 * The report's "Rows per table" after a rehearsal that stopped part way. Its columns say "-" where a
 * table does not exist; a column the rehearsal never got to said "-" for every table, so a
 * rehearsal stopped at its migrations (a full work folder) read as if the upgrade dropped every
 * table. A column not counted is left out and said so; a rehearsal stopped before it counted
 * anything prints no table at all.
 */
import { describe, expect, test } from "vitest";
import { formatUpgradeReport, type RehearsalCheck, type UpgradeReport } from "../../src/state/index.js";

function report(checks: RehearsalCheck[], tables: UpgradeReport["tables"], verdict: "ok" | "failed"): UpgradeReport {
  return {
    path: "state.sqlite",
    from: { release: "0.1.0", level: 1 },
    to: { release: "0.2.0", level: 2 },
    source: { level: 1, compatLevel: 1, bytes: 270_336 },
    dryRun: true,
    checks,
    migrations: [],
    reverts: [],
    tables,
    applied: [],
    verdict,
    summary: verdict === "ok" ? "fine" : "1 check(s) failed",
  };
}

const source: RehearsalCheck = { id: "source", title: "source file at level 1, compat level 1", status: "ok" };
const copy: RehearsalCheck = { id: "copy", title: "copies made with the SQLite backup API: 1", status: "ok" };
const up: RehearsalCheck = { id: "up", title: "migrations", status: "failed", detail: "E_STATE_IO: cannot migrate …: database or disk is full", code: "E_STATE_IO", ioError: "SQLITE_FULL" };

describe("formatUpgradeReport's rows per table", () => {
  test("stopped before any table was counted: no header, nothing under it", () => {
    const text = formatUpgradeReport(report([{ ...source, status: "failed", detail: "the file is empty (no state yet)" }], [], "failed"));
    expect(text).not.toContain("Rows per table");
    expect(text).not.toMatch(/before\s+after/);
  });

  test("stopped at the migrations: the before column only, and a line saying after and after down were not counted (not '-', which says a table does not exist)", () => {
    const tables = [
      { table: "communities", before: 8, after: null, afterDown: null },
      { table: "peers", before: 99, after: null, afterDown: null },
    ];
    const lines = formatUpgradeReport(report([source, copy, up], tables, "failed")).split("\n");
    const header = lines.findIndex((l) => l.startsWith("Rows per table:"));
    expect(header).toBeGreaterThan(0);
    expect(lines[header]).toMatch(/before$/);
    expect(lines[header + 1]).toMatch(/^ {2}communities +8$/);
    expect(lines[header + 2]).toMatch(/^ {2}peers +99$/);
    expect(lines[header + 3]).toBe("  (after, after down: not counted: the rehearsal stopped before it got there)");
  });

  test("a full rehearsal keeps its three columns and '-' for a table that does not exist at that point", () => {
    const tables = [
      { table: "communities", before: 8, after: 8, afterDown: 8 },
      { table: "file_references", before: null, after: 0, afterDown: null },
    ];
    const lines = formatUpgradeReport(report([source, copy], tables, "ok")).split("\n");
    const header = lines.findIndex((l) => l.startsWith("Rows per table:"));
    expect(lines[header]).toMatch(/before +after +after down$/);
    expect(lines[header + 2]).toMatch(/^ {2}file_references +- +0 +-$/);
    expect(lines.join("\n")).not.toContain("not counted");
  });

  test("nothing to migrate: the after down column, which no down filled, is left out and the line says why", () => {
    const tables = [{ table: "communities", before: 8, after: 8, afterDown: null }];
    const none: RehearsalCheck = { id: "up", title: "migrations to run", status: "ok", detail: "none: the file is already at the target level" };
    const text = formatUpgradeReport(report([source, copy, none], tables, "ok"));
    expect(text).toMatch(/Rows per table: +before +after\n {2}communities +8 +8\n {2}\(after down: not counted: no migration ran, so none was rolled back\)/);
  });
});
