import { resolve } from "node:path";
import { BUF_PATH_HINT, checkSchemaPair, displayPath, projectProtoRoot, SchemaCheckError, versionDir, type Finding } from "../../schema-check/index.js";
import { MATRIX_COLUMN_PROVES } from "../matrix-constants.js";
import type { MatrixCheck } from "../matrix-types.js";

/**
 * buf breaking (WIRE, WIRE_JSON) plus the project's rules between the two protocol versions of the
 * pair. Static, so both directions share one comparison.
 */
export const staticSchemaCheck: MatrixCheck = {
  column: "schema",
  proves: MATRIX_COLUMN_PROVES.schema,
  async run({ pair, logger }) {
    const older = pair.older.protocol;
    const newer = pair.newer.protocol;
    if (older === newer) return { status: "pass", detail: `both releases speak protocol ${older}: one schema` };
    const report = await pair.once("schema", async (signal) => {
      const root = projectProtoRoot();
      try {
        return await checkSchemaPair({ dir: versionDir(root, older).dir }, { dir: versionDir(root, newer).dir }, { signal, logger });
      } catch (error) {
        // The matrix runs the bundled buf only: "or pass --buf PATH" is schema check's, and matrix
        // has no --buf (a CI engineer who followed it got "Unknown option '--buf'").
        if (error instanceof SchemaCheckError && error.code === "E_TOOL_MISSING" && error.message.includes(BUF_PATH_HINT)) {
          throw new SchemaCheckError(error.code, error.message.replace(BUF_PATH_HINT, ""), { cause: error, details: error.details });
        }
        throw error;
      }
    });
    if (report.ok) {
      const warnings = report.counts.warnings > 0 ? `, ${report.counts.warnings} warnings` : "";
      return { status: "pass", detail: `v${older}→v${newer}: no breaking change${warnings}` };
    }
    const first = report.findings.filter((f) => f.severity === "error").slice(0, 3).map((f) => `${f.rule} at ${placeOf(f)}: ${f.message}`);
    return { status: "fail", detail: `${report.counts.errors} breaking: ${first.join("; ")}` };
  },
};

/**
 * Where a finding is, relative to the package (proto/status/storage/v3/envelope.proto:27), as
 * `schema check` prints it: the cell's line in a CI log named the rule and symbol, not the file.
 */
function placeOf(finding: Finding): string {
  const file = displayPath(finding.file, resolve(projectProtoRoot(), "..", "..", ".."));
  return finding.line === undefined ? file : `${file}:${finding.line}`;
}
