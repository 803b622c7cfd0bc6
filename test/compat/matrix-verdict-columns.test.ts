import { describe, expect, test } from "vitest";
import { MATRIX_CHECKS, MATRIX_COLUMNS, runMatrix, verdictLine, type MatrixCheck } from "../../src/compat/index.js";
import { runCliInProcess } from "../support/cli.js";

const passing = (column: MatrixCheck["column"]): MatrixCheck => ({ column, proves: "passes", async run() { return { status: "pass", detail: "ok" }; } });

describe("the verdict of a matrix run on some columns only (--only)", () => {
  test("says which columns ran and that the others did not, instead of 'every adjacent pair interoperates both ways', which the run did not check", async () => {
    const report = await runMatrix({ checks: [passing("wire"), passing("forward")] });
    const line = verdictLine(report);
    expect(line).toMatch(/^verdict: ok/);
    expect(line).not.toMatch(/every adjacent pair interoperates both ways/);
    expect(line).toContain("wire, forward");
    expect(line).toMatch(/not run: schema, negotiate, state, storage, bridge/);
  });

  test("a run of every column still says every adjacent pair interoperates both ways", async () => {
    const report = await runMatrix({ checks: MATRIX_COLUMNS.map(passing) });
    expect(verdictLine(report)).toMatch(/^verdict: ok, every adjacent pair interoperates both ways/);
  });

  test("status-compat matrix --only wire prints that verdict", async () => {
    const r = await runCliInProcess(["matrix", "--only", "wire"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^verdict: ok.*not run: schema, negotiate, forward, state, storage, bridge/m);
    expect(MATRIX_CHECKS.length).toBe(MATRIX_COLUMNS.length);
  });
});
