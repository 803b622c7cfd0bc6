import type { MatrixReport } from "../matrix-types.js";
import { verdictLine } from "./verdict.js";

const escapeCell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** A Markdown report for CI summaries and release notes. */
export function renderMatrixMarkdown(report: MatrixReport): string {
  const mark = (s: string | undefined): string => (s === "pass" ? "✅ pass" : s === "fail" ? "❌ FAIL" : "–");
  const out = [
    "# Compatibility matrix",
    "",
    `Releases ${report.releases.join(", ")}; every adjacent pair, both directions. Generated ${report.generatedAt}.`,
    "",
    `| writer → reader | ${report.columns.join(" | ")} |`,
    `|---|${report.columns.map(() => "---").join("|")}|`,
    ...report.rows.map((r) => `| ${r.writer} → ${r.reader} | ${report.columns.map((c) => mark(r.cells[c]?.status)).join(" | ")} |`),
    "",
    `**${verdictLine(report)}**`,
    "",
    "## What each column proves",
    "",
    ...report.columns.map((c) => `- **${c}**: ${report.legend[c] ?? ""}`),
    "",
    "## Details",
    "",
    "| writer → reader | column | result | ms | detail |",
    "|---|---|---|---|---|",
    ...report.rows.flatMap((r) =>
      report.columns.map((c) => {
        const cell = r.cells[c];
        return `| ${r.writer} → ${r.reader} | ${c} | ${mark(cell?.status)} | ${cell === undefined ? "" : Math.round(cell.ms)} | ${escapeCell(cell?.detail ?? "")} |`;
      }),
    ),
  ];
  return out.join("\n") + "\n";
}
