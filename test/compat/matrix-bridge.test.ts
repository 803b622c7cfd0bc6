/**
 * The matrix's bridge column: for each ordered adjacent pair, a control node of the writer's
 * release publishes descriptions (small, larger, ~1.5 MB in segments) over the memory transport,
 * its store the local backend in the run's folder, and a member and a new joiner of the reader's
 * release end with the newest byte for byte, by the paths the two releases share, which the cell
 * names.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { MATRIX_CHECKS, renderMatrixHtml, renderMatrixMarkdown, renderMatrixText, runMatrix, type MatrixReport } from "../../src/compat/index.js";
import { releaseTable } from "../../src/versions/index.js";

const bridge = MATRIX_CHECKS.filter((c) => c.column === "bridge");

/** One run of the column for the file (each case reads its own cells of it), in a folder kept until the file ends. */
const workDir = mkdtempSync(join(tmpdir(), "scc-matrix-bridge-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));
let run: Promise<MatrixReport> | undefined;
const bridgeRun = (): Promise<MatrixReport> => (run ??= runMatrix({ checks: bridge, workDir }));

function cell(report: MatrixReport, writer: string, reader: string): string {
  const got = report.rows.find((r) => r.writer === writer && r.reader === reader)?.cells.bridge;
  expect(got?.status, got?.detail).toBe("pass");
  return got?.detail ?? "";
}

describe("matrix: the bridge column", () => {
  test("is the last column, after storage, one check, with its legend", async () => {
    expect(bridge).toHaveLength(1);
    expect(MATRIX_CHECKS.map((c) => c.column).slice(-2)).toEqual(["storage", "bridge"]);
    const report = await bridgeRun();
    expect(report.columns).toEqual(["bridge"]);
    expect(report.legend.bridge).toMatch(/new joiner/);
  });

  test("every ordered adjacent pair passes, each cell naming the path its descriptions took", async () => {
    const report = await bridgeRun();
    expect(report.ok).toBe(true);
    expect(report.rows.map((r) => `${r.writer}>${r.reader}`)).toEqual(
      releaseTable.adjacentPairs().flatMap(([a, b]) => [`${a.release}>${b.release}`, `${b.release}>${a.release}`]),
    );
    // 0.1.0 has only the whole copy over Waku: both directions with it go by Waku, the newest in segments.
    for (const [writer, reader] of [
      ["0.1.0", "0.2.0"],
      ["0.2.0", "0.1.0"],
    ]) {
      const detail = cell(report, writer as string, reader as string);
      expect(detail).toMatch(/^whole over Waku \(1500000 B in \d+ segments\): /);
      expect(detail).toMatch(new RegExp(`${reader} member 1,2,3 via waku; ${reader} new joiner \\(no clock held, after clock 3\\) 3 via waku;`));
      expect(detail).not.toMatch(/codex/);
    }
    // 0.3.0 sends pointers only: 0.2.0 fetches every clock from the store.
    const pointerOnly = cell(report, "0.3.0", "0.2.0");
    expect(pointerOnly).toMatch(/^pointer \+ Codex fetch: 0\.2\.0 member 1,2,3 via codex; 0\.2\.0 new joiner \(no clock held, after clock 3\) 3 via codex;/);
    // 0.2.0 sends both to 0.3.0: the whole copy wins where every message came; a member that lost a segment takes the pointer.
    const both = cell(report, "0.2.0", "0.3.0");
    expect(both).toMatch(/^whole over Waku \(1500000 B in \d+ segments\) and pointer \+ Codex fetch: /);
    expect(both).toMatch(/0\.3\.0 member 1,2,3 via waku; 0\.3\.0 member that lost a segment 1,2 via waku, 3 via codex; 0\.3\.0 new joiner \(no clock held, after clock 3\) 3 via waku;/);
    for (const row of report.rows) expect(row.cells.bridge?.detail).toMatch(/the newest \(1500000 B\) byte-exact at each, clock 1 replayed after it ignored$/);
  });

  test("its files (the description store, the members' state files) are in the run's work folder", async () => {
    await bridgeRun();
    const folders = readdirSync(workDir).filter((f) => f.startsWith("bridge-"));
    expect(folders.sort()).toEqual(["bridge-0.1.0-to-0.2.0-older-to-newer", "bridge-0.2.0-to-0.1.0-newer-to-older", "bridge-0.2.0-to-0.3.0-older-to-newer", "bridge-0.3.0-to-0.2.0-newer-to-older"]);
    expect(readdirSync(join(workDir, "bridge-0.2.0-to-0.3.0-older-to-newer")).sort()).toEqual(expect.arrayContaining(["joiner.sqlite", "lossy.sqlite", "member.sqlite", "store"]));
  });

  test("the text, Markdown and HTML reports show the column", async () => {
    const report = await bridgeRun();
    expect(renderMatrixText(report, { verbose: true })).toMatch(/writer → reader\s+bridge/);
    expect(renderMatrixMarkdown(report)).toMatch(/\| writer → reader \| bridge \|/);
    expect(renderMatrixHtml(report)).toContain("<th>bridge</th>");
  });
});
