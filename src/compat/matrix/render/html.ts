import type { MatrixReport } from "../matrix-types.js";
import { verdictLine } from "./verdict.js";

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A standalone HTML page (no external assets): a CI artifact people open in a browser. */
export function renderMatrixHtml(report: MatrixReport): string {
  const cell = (r: MatrixReport["rows"][number], c: MatrixReport["columns"][number]): string => {
    const result = r.cells[c];
    if (result === undefined) return "<td>–</td>";
    const title = escapeHtml(`${result.detail} (${Math.round(result.ms)} ms)`);
    return `<td class="${result.status}" title="${title}">${result.status.toUpperCase()}</td>`;
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Compatibility matrix</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:.35em .7em;text-align:left;vertical-align:top}
td.pass{background:#e6f4ea;color:#137333}td.fail{background:#fce8e6;color:#a50e0e;font-weight:bold}
.verdict{font-weight:bold}.detail td{font-size:12px}
</style></head><body>
<h1>Compatibility matrix</h1>
<p>Releases ${escapeHtml(report.releases.join(", "))}; every adjacent pair, both directions. Generated ${escapeHtml(report.generatedAt)}.</p>
<table><tr><th>writer → reader</th>${report.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>
${report.rows.map((r) => `<tr><th>${escapeHtml(`${r.writer} → ${r.reader}`)}</th>${report.columns.map((c) => cell(r, c)).join("")}</tr>`).join("\n")}
</table>
<p class="verdict">${escapeHtml(verdictLine(report))}</p>
<h2>What each column proves</h2>
<ul>${report.columns.map((c) => `<li><b>${escapeHtml(c)}</b>: ${escapeHtml(report.legend[c] ?? "")}</li>`).join("")}</ul>
<h2>Details</h2>
<table class="detail"><tr><th>writer → reader</th><th>column</th><th>result</th><th>ms</th><th>detail</th></tr>
${report.rows
  .flatMap((r) =>
    report.columns.map((c) => {
      const result = r.cells[c];
      return `<tr><td>${escapeHtml(`${r.writer} → ${r.reader}`)}</td><td>${escapeHtml(c)}</td><td class="${result?.status ?? ""}">${result?.status ?? "–"}</td><td>${result === undefined ? "" : Math.round(result.ms)}</td><td>${escapeHtml(result?.detail ?? "")}</td></tr>`;
    }),
  )
  .join("\n")}
</table>
</body></html>
`;
}
