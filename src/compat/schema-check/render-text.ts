import { pathBelow } from "../../fs/index.js";
import type { Finding, SchemaCheckReport } from "./finding.js";

/** Paths as a person in `cwd` would type them. */
export function displayPath(file: string, cwd: string): string {
  return pathBelow(cwd, file) ?? file;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function counts(findings: readonly Finding[]): string {
  const errors = findings.filter((f) => f.severity === "error").length;
  if (findings.length === 0) return "clean";
  return `${plural(errors, "error")}, ${plural(findings.length - errors, "warning")}`;
}

function renderFinding(f: Finding, cwd: string): string {
  const where = `${displayPath(f.file, cwd)}${f.line === undefined ? "" : `:${f.line}`}`;
  // The project's messages name their symbol already; buf's do not always.
  const what = f.source === "project" || f.symbol === undefined ? "" : `${f.symbol}${f.field === undefined ? "" : `.${f.field}`}: `;
  return `  ${f.severity.padEnd(7)} ${where}  ${f.rule} (${f.source})\n          ${what}${f.message}\n`;
}

/** The human report: one block per compared pair, then the chain, then the verdict. */
export function renderSchemaReportText(report: SchemaCheckReport, cwd: string): string {
  let out = "";
  for (const pair of report.pairs) {
    const mine = report.findings.filter((f) => f.scope === "pair" && f.between.old === pair.old.label && f.between.new === pair.new.label);
    const buf = pair.buf === "ran" ? "" : " (buf not run)";
    const dirs = `${displayPath(pair.old.dir, cwd)} -> ${displayPath(pair.new.dir, cwd)}`;
    const named = dirs === `${pair.old.label} -> ${pair.new.label}` ? "" : ` [${dirs}]`;
    out += `${pair.old.label} -> ${pair.new.label}${named}${buf}: ${counts(mine)}\n`;
    for (const f of mine) out += renderFinding(f, cwd);
  }
  if (report.chain !== undefined) {
    const chain = report.findings.filter((f) => f.scope === "chain");
    out += `chain ${report.chain.join(" -> ")}: ${counts(chain)}\n`;
    for (const f of chain) out += renderFinding(f, cwd);
  }
  const { errors, warnings } = report.counts;
  out += report.ok
    ? `OK: no breaking change${warnings > 0 ? ` (${plural(warnings, "warning")} to review)` : ""}\n`
    : `BREAKING: ${plural(errors, "error")}, ${plural(warnings, "warning")}\n`;
  return out;
}
