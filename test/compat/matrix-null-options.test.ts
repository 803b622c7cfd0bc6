/**
 * Options left out may be given as null, as every layer reads them (assertKnownOptions lets null
 * through as none; docs/storage.md: "null for a method's options is none"). runMatrix(null), what a
 * CI script passes for "no settings", failed at once with a raw "Cannot read properties of null
 * (reading 'table')". It runs as runMatrix() now. The default checks are stood in for by one that
 * counts its runs, so the whole matrix does not run here.
 */
import { expect, test, vi } from "vitest";

const runs = vi.hoisted(() => ({ count: 0 }));

vi.mock("../../src/compat/matrix/checks/index.js", () => ({
  MATRIX_CHECKS: [{ column: "negotiate", proves: "counts its runs", run: async () => ((runs.count += 1), { status: "pass", detail: "ok" }) }],
}));

const { runMatrix } = await import("../../src/compat/index.js");

test("runMatrix(null) runs as runMatrix(): the default checks over every adjacent pair", async () => {
  const report = await runMatrix(null as never);
  expect(report.ok).toBe(true);
  expect(report.columns).toEqual(["negotiate"]);
  expect(runs.count).toBe(report.counts.pass);
  expect(runs.count).toBeGreaterThan(0);
});
