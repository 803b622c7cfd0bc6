import { describe, expect, it } from "vitest";
import {
  MATRIX_CHECKS,
  renderMatrixHtml,
  renderMatrixMarkdown,
  renderMatrixText,
  runMatrix,
  type MatrixCheck,
} from "../../src/compat/index.js";
import { NegotiationError } from "../../src/negotiate/index.js";
import { ReleaseTable, releaseTable } from "../../src/versions/index.js";
import { runCliInProcess } from "../support/cli.js";

const failingCheck: MatrixCheck = {
  column: "storage",
  proves: "a stand-in that fails on the newer-to-older direction of the last pair",
  async run({ direction, pair }) {
    const last = releaseTable.newest.release;
    return direction === "newer-to-older" && pair.newer.release === last
      ? { status: "fail", detail: "reader could not decrypt" }
      : { status: "pass", detail: "ok" };
  },
};

describe("compatibility matrix", () => {
  it("covers every adjacent pair of the release table in both directions with every column, and passes on this build", async () => {
    const report = await runMatrix();
    const pairs = releaseTable.adjacentPairs();
    expect(report.rows.map((r) => `${r.writer}>${r.reader}`)).toEqual(
      pairs.flatMap(([a, b]) => [`${a.release}>${b.release}`, `${b.release}>${a.release}`]),
    );
    for (const row of report.rows) expect(Object.keys(row.cells)).toEqual(MATRIX_CHECKS.map((c) => c.column));
    const failures = report.rows.flatMap((r) => Object.entries(r.cells).filter(([, c]) => c.status === "fail").map(([k, c]) => `${r.writer}>${r.reader} ${k}: ${c.detail}`));
    expect(failures).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.counts).toEqual({ pass: pairs.length * 2 * MATRIX_CHECKS.length, fail: 0 });
  });

  it("grows with the release table: a new row adds its pair", async () => {
    const json = { releases: releaseTable.rows.map((r) => ({ ...r, writes: [...r.writes], reads: [...r.reads] })) };
    const last = json.releases[json.releases.length - 1]!;
    json.releases.push({ ...last, release: "0.4.0", summary: "a release that keeps protocol 3 and its state level" });
    const report = await runMatrix({ table: new ReleaseTable(json), checks: MATRIX_CHECKS.filter((c) => c.column !== "state") });
    expect(report.rows.map((r) => `${r.writer}>${r.reader}`)).toContain("0.4.0>0.3.0");
    expect(report.ok).toBe(true);
  });

  it("marks the pair broken when one cell fails, and names it in the verdict", async () => {
    const report = await runMatrix({ checks: [failingCheck] });
    expect(report.ok).toBe(false);
    expect(report.counts.fail).toBe(1);
    const text = renderMatrixText(report);
    expect(text).toMatch(/verdict: BROKEN, 1 of \d+ cells fail \(0\.2\.0 ↔ 0\.3\.0\)/);
    expect(text).toContain("reader could not decrypt");
  });

  it("turns a check that throws into a failed cell carrying the error code, not a crash", async () => {
    const throwing: MatrixCheck = {
      column: "negotiate",
      proves: "throws",
      async run() {
        throw new NegotiationError("E_PEER_TOO_OLD", "member reads at most protocol 1");
      },
    };
    const report = await runMatrix({ checks: [throwing] });
    expect(report.ok).toBe(false);
    expect(report.rows.every((r) => r.cells.negotiate?.detail.startsWith("E_PEER_TOO_OLD"))).toBe(true);
  });

  it("renders Markdown and a standalone, escaped HTML page", async () => {
    const sneaky: MatrixCheck = { column: "wire", proves: "<b>escaping</b>", async run() { return { status: "pass", detail: `<script>alert("x")</script> & more` }; } };
    const report = await runMatrix({ checks: [sneaky] });
    const md = renderMatrixMarkdown(report);
    expect(md).toContain("| writer → reader | wire |");
    expect(md).toContain("✅ pass");
    const html = renderMatrixHtml(report);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
    expect(html).not.toMatch(/<link|src=/);
  });
});

describe("status-compat matrix", () => {
  it("exits 0 with the table and an ok verdict (what npm start runs)", async () => {
    const r = await runCliInProcess(["matrix"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/writer → reader\s+schema\s+negotiate\s+wire\s+forward\s+state/);
    expect(r.stdout).toMatch(/^verdict: ok/m);
  });

  it("prints JSON for machines and refuses unknown columns with exit 2", async () => {
    const r = await runCliInProcess(["matrix", "--json", "--only", "wire,forward"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; columns: string[] };
    expect(report.columns).toEqual(["wire", "forward"]);
    const bad = await runCliInProcess(["matrix", "--only", "telepathy"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown column");
  });
});
