import { join } from "node:path";
import { rehearseUpgrade, writeFixture, type UpgradeReport } from "../../../state/index.js";
import { MATRIX_COLUMN_PROVES } from "../matrix-constants.js";
import type { MatrixCheck, PairScope } from "../matrix-types.js";

/** Rows in the rehearsed state file: every table populated, small enough for a CI matrix. */
const FIXTURE_ROWS = 3_000;

/** Shared by both directions; each cell waits for it under its own deadline, the run's signal stops it. */
function rehearsal(pair: PairScope, workDir: string): Promise<UpgradeReport> {
  return pair.once("state", async (signal) => {
    const path = join(workDir, `state-${pair.older.release}.sqlite`);
    await writeFixture({ out: path, level: pair.older.stateLevel, rows: FIXTURE_ROWS });
    // The run's table: the embedded one knows no row a caller's table adds (E_RELEASE_UNKNOWN).
    return rehearseUpgrade({ path, from: pair.older.release, to: pair.newer.release, ...(pair.table === undefined ? {} : { table: pair.table }), dryRun: true, workDir, signal });
  });
}

/**
 * Older writes, newer reads: the newer release upgrades the older one's state file (dry-run on a
 * copy: migrations, integrity, foreign keys, schema, and down restoring every row).
 * Newer writes, older reads: the older release opens the file the newer one upgraded and runs its
 * own queries on it (a user reinstalling the previous app).
 */
export const stateUpgradeCheck: MatrixCheck = {
  column: "state",
  proves: MATRIX_COLUMN_PROVES.state,
  async run({ direction, pair, workDir }) {
    const report = await rehearsal(pair, workDir);
    if (direction === "newer-to-older") {
      // The rehearsal runs the queries of one release per state level (the newest of it): a release
      // that shares its level with the next one (it kept its predecessor's protocol) runs the same
      // level's queries under that release's name.
      const sameLevel = (pair.table?.rows ?? [pair.older]).filter((r) => r.stateLevel === pair.older.stateLevel).map((r) => `queries:${r.release}`);
      const ids = [`queries:${pair.older.release}`, ...sameLevel];
      const check = report.checks.find((c) => c.id === ids.find((id) => report.checks.some((k) => k.id === id)));
      if (check === undefined) return { status: "fail", detail: `the rehearsal did not run release ${pair.older.release}'s queries` };
      return {
        status: check.status === "ok" ? "pass" : "fail",
        detail: `${pair.older.release} on a file upgraded to level ${report.to.level}: ${check.detail ?? check.status}`,
      };
    }
    const failed = report.checks.filter((c) => c.status === "failed");
    if (failed.length > 0) return { status: "fail", detail: failed.map((c) => `${c.title}: ${c.detail ?? "failed"}`).join("; ") };
    const ran = report.migrations.map((m) => m.name).join(", ") || "none";
    const down = report.checks.find((c) => c.id === "down-data");
    return { status: "pass", detail: `level ${report.from.level}→${report.to.level} (${ran}); ${down?.detail ?? "no down needed"}` };
  },
};
