/**
 * The bridge column must fail a broken pair, not only pass a whole one. Each case plants one break
 * in what a release does (a module stand-in, switched on for that case only) and requires exactly
 * the cells that depend on it to fail, each saying which member holds what and why. (A 0.3.0 whose
 * pointers 0.2.0 refuses is in matrix-catches-breaks.test.ts, with the other columns that break.)
 */
import { afterEach, describe, expect, test, vi } from "vitest";

const breaks = vi.hoisted(() => ({ losesLastSegment: false }));

// A control node whose segmenter leaves out the last segment of a whole above one Waku message:
// the 1.5 MB description never completes at a member. A reader that also takes the pointer
// (0.3.0 from 0.2.0) still gets it from the store; one of a Waku-only pair cannot.
vi.mock("../../src/bridge/segment-split.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/bridge/segment-split.js")>();
  return {
    ...original,
    envelopesToPublish: (...args: Parameters<typeof original.envelopesToPublish>) => {
      const envelopes = original.envelopesToPublish(...args);
      return breaks.losesLastSegment && envelopes.length > 1 ? envelopes.slice(0, -1) : envelopes;
    },
  };
});

const { MATRIX_CHECKS, runMatrix } = await import("../../src/compat/index.js");

afterEach(() => {
  breaks.losesLastSegment = false;
});

/** Every bridge cell's "writer>reader" and detail, the failed ones apart. */
async function bridgeCells(): Promise<{ failed: Record<string, string>; passed: Record<string, string> }> {
  const report = await runMatrix({ checks: MATRIX_CHECKS.filter((c) => c.column === "bridge") });
  const failed: Record<string, string> = {};
  const passed: Record<string, string> = {};
  for (const row of report.rows) {
    const cell = row.cells.bridge;
    (cell?.status === "fail" ? failed : passed)[`${row.writer}>${row.reader}`] = cell?.detail ?? "";
  }
  expect(report.ok).toBe(false);
  return { failed, passed };
}

describe("the bridge column fails a broken pair, saying why", () => {
  test("a control node that loses the last segment of a segmented description fails the two Waku-only directions (0.1.0 ↔ 0.2.0), the member left at the clock before; 0.2.0 → 0.3.0 passes by the pointer", async () => {
    breaks.losesLastSegment = true;
    const { failed, passed } = await bridgeCells();
    expect(Object.keys(failed).sort()).toEqual(["0.1.0>0.2.0", "0.2.0>0.1.0"]);
    expect(failed["0.1.0>0.2.0"]).toBe("0.1.0 → 0.2.0: the 0.2.0 member holds clock 2, not clock 3: nothing more came");
    expect(failed["0.2.0>0.1.0"]).toMatch(/^0\.2\.0 → 0\.1\.0: the 0\.1\.0 member holds clock 2, not clock 3: nothing more came \(dropped: E_BRIDGE_UNREADABLE x\d+ \(/);
    // Where the pointer is shared, the store brings what Waku lost: every member takes clock 3 from it.
    expect(passed["0.2.0>0.3.0"]).toMatch(/0\.3\.0 member 1,2 via waku, 3 via codex; 0\.3\.0 member that lost a segment 1,2 via waku, 3 via codex; 0\.3\.0 new joiner \(no clock held, after clock 3\) 3 via codex;/);
  }, 60_000);
});
