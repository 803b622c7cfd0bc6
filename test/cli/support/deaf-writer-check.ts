// Preloaded (node --import) into a CLI child: the matrix's storage column becomes a check that, on
// the last pair's newer-to-older row, ignores its abort signal and leaves a process of its own
// writing files into the run's work folder (as a storage node whose data folder is there would), so
// the folder's removal at the end races with it. The writer ends once the CLI process has.
// Every other row passes at once.
import { spawn } from "node:child_process";
import { MATRIX_CHECKS, type MatrixCheck } from "../../../src/compat/index.js";
import { releaseTable } from "../../../src/versions/index.js";

const WRITER = 'i=0; while kill -0 "$PPID" 2>/dev/null; do d="$1/store/b$((i % 50))"; mkdir -p "$d"; : > "$d/f$i"; i=$((i + 1)); done';

const writer: MatrixCheck = {
  column: "storage",
  proves: "a stand-in that leaves a process writing into the work folder on one row",
  async run({ direction, pair, workDir }) {
    if (direction === "newer-to-older" && pair.newer.release === releaseTable.newest.release) {
      spawn("sh", ["-c", WRITER, "sh", workDir], { stdio: "ignore" }).unref();
      process.stderr.write("deaf writer: writing on\n");
      return new Promise<never>(() => void setInterval(() => undefined, 1_000));
    }
    return { status: "pass", detail: "ok" };
  },
};

const checks = MATRIX_CHECKS as MatrixCheck[];
checks.splice(checks.findIndex((c) => c.column === "storage"), 1, writer);
