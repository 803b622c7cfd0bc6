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

  test("the storage cell of the 0.2.0 → 0.3.0 row reports the switch between those releases, not to 0.4.0; the 0.3.0 ↔ 0.4.0 cells run 0.4.0's own client (a StorageClient opened with its profile; by protocol alone it behaved as 0.3.0, which writes piece-index) and pass", async () => {
    const report = await runMatrix({ table: tableWithPatchLevelRelease(), checks: MATRIX_CHECKS.filter((c) => c.column === "storage") });
    const cell = (writer: string, reader: string) => report.rows.find((r) => r.writer === writer && r.reader === reader)?.cells.storage;
    expect(cell("0.2.0", "0.3.0")?.status, cell("0.2.0", "0.3.0")?.detail).toBe("pass");
    expect(cell("0.2.0", "0.3.0")?.detail).toMatch(/upgrade 0\.2\.0 → 0\.3\.0 /);
    expect(cell("0.3.0", "0.2.0")?.status, cell("0.3.0", "0.2.0")?.detail).toBe("pass");
    expect(cell("0.3.0", "0.4.0")?.status, cell("0.3.0", "0.4.0")?.detail).toBe("pass");
    expect(cell("0.3.0", "0.4.0")?.detail).toMatch(/upgrade 0\.3\.0 → 0\.4\.0 /);
    expect(cell("0.4.0", "0.3.0")?.status, cell("0.4.0", "0.3.0")?.detail).toBe("pass");
    expect(cell("0.4.0", "0.3.0")?.detail).toMatch(/rollback 0\.4\.0 → 0\.3\.0 /);
  }, 60_000);

  test("the state cells of the 0.3.0 ↔ 0.4.0 pair rehearse with the run's table and find 0.3.0's queries under 0.4.0, its level's newest release: resolved in the embedded table, which has no 0.4.0, both failed E_RELEASE_UNKNOWN, and the 0.4.0 → 0.3.0 cell then found no queries named 0.3.0", async () => {
    const report = await runMatrix({ table: tableWithPatchLevelRelease(), checks: MATRIX_CHECKS.filter((c) => c.column === "state") });
    const cell = (writer: string, reader: string) => report.rows.find((r) => r.writer === writer && r.reader === reader)?.cells.state;
    for (const [writer, reader] of [["0.3.0", "0.4.0"], ["0.4.0", "0.3.0"]] as const) {
      expect(cell(writer, reader)?.status, cell(writer, reader)?.detail).toBe("pass");
    }
    expect(cell("0.3.0", "0.4.0")?.detail).toMatch(/^level 3→3 /);
    expect(report.ok, JSON.stringify(report.rows.map((r) => [r.writer, r.reader, r.cells.state?.detail]))).toBe(true);
  }, 120_000);
});
