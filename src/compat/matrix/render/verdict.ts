import { MATRIX_COLUMNS, type MatrixReport } from "../matrix-types.js";

/** The one-line conclusion every format ends with. */
export function verdictLine(report: MatrixReport): string {
  const cells = report.counts.pass + report.counts.fail;
  const pairs = new Set(report.rows.map((r) => r.pair.join("/"))).size;
  if (report.ok) {
    // A run of some columns (--only) proved only those: claiming every pair interoperates told CI more than was checked.
    const skipped = MATRIX_COLUMNS.filter((c) => !report.columns.includes(c));
    if (skipped.length > 0) {
      return `verdict: ok for the columns run (${report.columns.join(", ")}): ${pairs} pairs, ${cells}/${cells} cells pass; not run: ${skipped.join(", ")}`;
    }
    return `verdict: ok, every adjacent pair interoperates both ways (${pairs} pairs, ${cells}/${cells} cells pass)`;
  }
  const broken = new Set(report.rows.filter((r) => Object.values(r.cells).some((c) => c.status === "fail")).map((r) => r.pair.join(" ↔ ")));
  return `verdict: BROKEN, ${report.counts.fail} of ${cells} cells fail (${[...broken].join(", ")})`;
}
