import { describe, expect, test } from "vitest";
import { MATRIX_CHECKS, runMatrix, type MatrixCheck } from "../../src/compat/index.js";
import { ReleaseTable, releaseTable } from "../../src/versions/index.js";

/** The embedded table plus 0.4.0, which keeps protocol 3 (adding a release is adding a row) and writes one feature less. */
function tableWithPatchLevelRelease(): ReleaseTable {
  const json = { releases: releaseTable.rows.map((r) => ({ ...r, writes: [...r.writes], reads: [...r.reads] })) };
  const last = json.releases[json.releases.length - 1]!;
  json.releases.push({ ...last, release: "0.4.0", summary: "keeps protocol 3", writes: last.writes.filter((f) => f !== "piece-index") });
  return new ReleaseTable(json);
}

describe("runMatrix with a release that keeps its predecessor's protocol", () => {
  test("each row's checks get the profiles of that row's writer and reader releases (features, state level); they got the newest release speaking each protocol, so the 0.2.0 ↔ 0.3.0 rows tested 0.4.0", async () => {
    const seen: string[] = [];
    const recorder: MatrixCheck = {
      column: "negotiate",
      proves: "records whom it was given",
      async run({ writer, reader }) {
        seen.push(`${writer.release.release}>${reader.release.release} writes piece-index: ${writer.writes("piece-index")}`);
        return { status: "pass", detail: "ok" };
      },
    };
    const table = tableWithPatchLevelRelease();
    const report = await runMatrix({ table, checks: [recorder] });
    expect(seen).toEqual(report.rows.map((r) => `${r.writer}>${r.reader} writes piece-index: ${table.resolve(r.writer).writes.includes("piece-index")}`));
  });

  test("the storage cell of the 0.2.0 → 0.3.0 row reports the switch between those releases, not to 0.4.0", async () => {
    const report = await runMatrix({ table: tableWithPatchLevelRelease(), checks: MATRIX_CHECKS.filter((c) => c.column === "storage") });
    const row = report.rows.find((r) => r.writer === "0.2.0" && r.reader === "0.3.0");
    expect(row?.cells.storage?.status, row?.cells.storage?.detail).toBe("pass");
    expect(row?.cells.storage?.detail).toMatch(/upgrade 0\.2\.0 → 0\.3\.0 /);
    expect(report.ok, JSON.stringify(report.rows)).toBe(true);
  }, 60_000);
});
