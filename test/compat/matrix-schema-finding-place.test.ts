/**
 * A broken schema pair fails the matrix's schema column; its line in the CI log named the rule and
 * the symbol but not the file and line, which `schema check` prints and a reader opens ("1 breaking:
 * FIELD_SIGNEDNESS_CHANGED: status.storage.Capabilities.min_version: …"). The cell's detail now says
 * where, relative to the package (proto/status/storage/v3/envelope.proto:27). The schema comparison
 * is stood in for (a report with that finding), so no release needs breaking and buf does not run.
 */
import { join } from "node:path";
import { expect, test, vi } from "vitest";

vi.mock("../../src/compat/schema-check/check-schemas.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/compat/schema-check/check-schemas.js")>();
  const { projectProtoRoot } = await import("../../src/compat/schema-check/version-dirs.js");
  return {
    ...original,
    checkSchemaPair: async () => ({
      ok: false,
      pairs: [],
      findings: [
        {
          rule: "FIELD_SIGNEDNESS_CHANGED",
          source: "project",
          severity: "error",
          between: { old: "v2", new: "v3" },
          scope: "pair",
          file: join(projectProtoRoot(), "v3", "envelope.proto"),
          line: 27,
          message: "status.storage.Capabilities.min_version: `uint32 min_version = 1` (v2) became `int32 min_version = 1` (v3)",
        },
      ],
      counts: { errors: 1, warnings: 0 },
    }),
  };
});

const { MATRIX_CHECKS, runMatrix, renderMatrixText } = await import("../../src/compat/index.js");

test("a failed schema cell says the file and line of each finding, relative to the package", async () => {
  const report = await runMatrix({ checks: MATRIX_CHECKS.filter((c) => c.column === "schema") });
  expect(report.ok).toBe(false);
  const details = report.rows.map((r) => r.cells.schema?.detail);
  for (const detail of details) {
    expect(detail).toBe("1 breaking: FIELD_SIGNEDNESS_CHANGED at proto/status/storage/v3/envelope.proto:27: status.storage.Capabilities.min_version: `uint32 min_version = 1` (v2) became `int32 min_version = 1` (v3)");
  }
  expect(renderMatrixText(report)).toContain("schema: FAIL");
});
