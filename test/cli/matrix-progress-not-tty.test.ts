/**
 * `matrix` in CI (stderr not a terminal): progress was drawn only on a terminal, so a CI log showed
 * nothing for the minutes the matrix ran (a hung cell looked like a hung job), while --help said
 * progress was "still on stderr". Off a terminal, each finished cell is now one plain line on stderr
 * (no carriage returns or terminal codes, which a CI log shows as garbage); stdout stays the report.
 */
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";

describe("status-compat matrix off a terminal", () => {
  test("writes one plain line per finished cell to stderr, and --help says so", async () => {
    const r = await runCliInProcess(["matrix", "--only", "wire,negotiate", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { rows: { writer: string; reader: string; cells: Record<string, { status: string }> }[] };
    const lines = r.stderr.split("\n").filter((line) => line.startsWith("status-compat matrix: cell "));
    const expected = report.rows.flatMap((row) => ["negotiate", "wire"].map((column) => `status-compat matrix: cell ${row.writer} → ${row.reader} ${column}: ${row.cells[column]?.status}`));
    expect(lines.map((line) => line.replace(/ \(\d+ ms\)$/, ""))).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
    expect(r.stderr).not.toMatch(/\r|\x1b/);

    const help = await runCliInProcess(["matrix", "--help"]);
    expect(help.stdout + help.stderr).not.toContain("progress still on stderr");
    expect(help.stdout + help.stderr).toMatch(/one line per finished cell/);
  });
});
