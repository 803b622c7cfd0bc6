/**
 * `matrix --json` is what a CI step parses. The table ends with the verdict, which for a run of some
 * columns says what was not checked ("ok for the columns run (negotiate) … not run: schema, wire,
 * …"); the JSON report had only `ok: true` and `columns`, so a gate reading `ok` took a partial run
 * for the whole matrix, and the line it could print was not there (`--out` with --json gave it).
 * The report now carries the same `verdict` line.
 */
import { expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";

test("matrix --json carries the table's verdict line, saying which columns were not run", async () => {
  const r = await runCliInProcess(["matrix", "--json", "--only", "negotiate"]);
  expect(r.code, r.stderr).toBe(0);
  const report = JSON.parse(r.stdout) as { ok: boolean; verdict?: string; columns: string[] };
  expect(report.ok).toBe(true);
  expect(report.columns).toEqual(["negotiate"]);
  expect(report.verdict).toMatch(/^verdict: ok for the columns run \(negotiate\): \d+ pairs, (\d+)\/\1 cells pass; not run: schema, wire, forward, state, storage, bridge$/);
});
