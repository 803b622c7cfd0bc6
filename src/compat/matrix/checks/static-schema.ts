import { checkSchemaPair, projectProtoRoot, versionDir } from "../../schema-check/index.js";
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
    const report = await pair.once("schema", (signal) => {
      const root = projectProtoRoot();
      return checkSchemaPair({ dir: versionDir(root, older).dir }, { dir: versionDir(root, newer).dir }, { signal, logger });
    });
    if (report.ok) {
      const warnings = report.counts.warnings > 0 ? `, ${report.counts.warnings} warnings` : "";
      return { status: "pass", detail: `v${older}→v${newer}: no breaking change${warnings}` };
    }
    const first = report.findings.filter((f) => f.severity === "error").slice(0, 3).map((f) => `${f.rule}: ${f.message}`);
    return { status: "fail", detail: `${report.counts.errors} breaking: ${first.join("; ")}` };
  },
};
