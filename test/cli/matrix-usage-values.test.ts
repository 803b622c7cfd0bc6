/**
 * A CI job's matrix step with a value the command cannot use ends with exit 2 before anything
 * runs; the line said what was allowed but not what it was given, so a value filled in by the CI
 * system (a template variable, `--format ${{ inputs.format }}` left empty or mistyped) could not be
 * seen in the log: `--format xml` and `--format ''` both read "--format must be one of table, json,
 * markdown, html"; `--cell-timeout 0.0001` (a positive number) was refused as not one.
 */
import { expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";

test.each([
  [["--format", "xml"], 'matrix: --format must be one of table, json, markdown, html; it was "xml". Nothing was run.'],
  [["--format", ""], 'matrix: --format must be one of table, json, markdown, html; it was "". Nothing was run.'],
  [["--format", "JSON"], 'matrix: --format must be one of table, json, markdown, html; it was "JSON". Nothing was run.'],
  [["--cell-timeout", "0.0001"], 'matrix: --cell-timeout must be a number of seconds of at least 0.001 (e.g. 600); it was "0.0001"'],
  // Rounded to 1 ms it ran, below the least the line above says.
  [["--cell-timeout", "0.0005"], 'matrix: --cell-timeout must be a number of seconds of at least 0.001 (e.g. 600); it was "0.0005"'],
])("matrix %j: exit 2 naming the value given", async (args, line) => {
  const r = await runCliInProcess(["matrix", ...args]);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe(`status-compat matrix: error[E_USAGE]: ${line}\n`);
});
