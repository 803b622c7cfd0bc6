import type { MatrixReport } from "../matrix-types.js";
import { verdictLine } from "./verdict.js";

/** The terminal table: one row per direction, PASS/FAIL per column, then failures (or everything with `verbose`). */
export function renderMatrixText(report: MatrixReport, options: { verbose?: boolean } = {}): string {
  const head = ["writer → reader", ...report.columns];
  const body = report.rows.map((r) => [`${r.writer} → ${r.reader}`, ...report.columns.map((c) => (r.cells[c]?.status ?? "-").toUpperCase())]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] as number)).join("  ").trimEnd();
  const out = [
    `Compatibility matrix: releases ${report.releases.join(", ")}; every adjacent pair, both directions`,
    "",
    line(head),
    line(widths.map((w) => "-".repeat(w))),
    ...body.map(line),
    "",
  ];
  const details = report.rows.flatMap((r) =>
    report.columns.flatMap((c) => {
      const cell = r.cells[c];
      if (cell === undefined || (!options.verbose && cell.status === "pass")) return [];
      return [`  ${r.writer} → ${r.reader}  ${c}: ${cell.status.toUpperCase()} (${Math.round(cell.ms)} ms) ${cell.detail}`];
    }),
  );
  if (details.length > 0) out.push(options.verbose ? "details:" : "failures:", ...details, "");
  // After the failures, so that each stays one line; the verdict stays the last line.
  const stacks = report.rows.flatMap((r) =>
    report.columns.flatMap((c) => {
      const stack = r.cells[c]?.stack;
      return stack === undefined ? [] : [`  ${r.writer} → ${r.reader}  ${c}:`, ...stack.split("\n").map((l) => `    ${l}`)];
    }),
  );
  if (stacks.length > 0) out.push("stacks of unexpected errors (a bug: report it with these):", ...stacks, "");
  out.push(verdictLine(report));
  return out.join("\n") + "\n";
}
