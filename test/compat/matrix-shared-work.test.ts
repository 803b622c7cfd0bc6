import { describe, expect, test } from "vitest";
import { MATRIX_CHECKS, runMatrix } from "../../src/compat/index.js";

describe("runMatrix: work both directions of a pair share (the state rehearsal)", () => {
  test("a first direction that runs past its deadline does not abort the other direction's share: no cell says the rehearsal was 'stopped by the caller's signal' when nobody stopped the run; the newer-to-older cell reported E_STATE_ABORTED at once", async () => {
    const report = await runMatrix({ checks: MATRIX_CHECKS.filter((c) => c.column === "state"), cellTimeoutMs: 60 });
    const details = report.rows.map((r) => `${r.writer}>${r.reader}: ${r.cells.state?.detail ?? ""}`);
    // Too short for a rehearsal: the older-to-newer cells time out, as they should.
    expect(report.rows.filter((r) => r.writer < r.reader).map((r) => r.cells.state?.detail)).toEqual(
      report.rows.filter((r) => r.writer < r.reader).map(() => expect.stringMatching(/did not finish within 0\.06 s/)),
    );
    for (const line of details) expect(line).not.toMatch(/E_STATE_ABORTED|caller's signal/);
  }, 60_000);
});
