// Preloaded (node --import) into a CLI child: the matrix's storage column becomes a check that, on
// the last pair's newer-to-older row (the matrix's last cell), fills the run's work folder with
// thousands of files, as a long matrix leaves state databases and stores, so that removing it
// takes a while, then passes. Every other row passes at once.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MATRIX_CHECKS, type MatrixCheck } from "../../../src/compat/index.js";
import { releaseTable } from "../../../src/versions/index.js";

const FOLDERS = 200;
const FILES_PER_FOLDER = 100;

const filler: MatrixCheck = {
  column: "storage",
  proves: "a stand-in that leaves a big work folder on its last row",
  async run({ direction, pair, workDir }) {
    if (direction === "newer-to-older" && pair.newer.release === releaseTable.newest.release) {
      for (let d = 0; d < FOLDERS; d++) {
        const folder = join(workDir, `filler-${d}`);
        mkdirSync(folder);
        for (let f = 0; f < FILES_PER_FOLDER; f++) writeFileSync(join(folder, `block-${f}`), "x");
      }
      process.stderr.write("filler check: work folder filled\n");
    }
    return { status: "pass", detail: "ok" };
  },
};

const checks = MATRIX_CHECKS as MatrixCheck[];
checks.splice(checks.findIndex((c) => c.column === "storage"), 1, filler);
