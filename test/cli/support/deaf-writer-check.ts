// Preloaded (node --import) into a CLI child: the matrix's storage column becomes a check that, on
// the last pair's newer-to-older row, ignores its abort signal and leaves a process of its own
// writing files into the run's work folder (as a storage node whose data folder is there would), so
// the folder's removal at the end races with it. The writer ends once the CLI process has.
// Every other row passes at once.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { MATRIX_CHECKS, type MatrixCheck } from "../../../src/compat/index.js";
import { releaseTable } from "../../../src/versions/index.js";
import { holdRemovalOfWrittenFolders } from "../../support/held-folder-removal.js";

// A Node loop over few names, not a shell's: a shell forks per mkdir, so the removal sometimes
// emptied the folder between two of its writes and won the race (the test then failed).
const WRITER = `
const { mkdirSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const dir = process.argv[1];
const cli = process.ppid;
for (let i = 0; ; i++) {
  if (i % 1000 === 0) {
    try { process.kill(cli, 0); } catch { process.exit(0); }
  }
  const d = join(dir, "store", "b" + (i % 5));
  // The removal may take a folder between the two calls (ENOENT): a writer that died of it let the
  // removal's retry find the folder quiet and win.
  try {
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "f" + (i % 200)), "");
  } catch {}
}`;

/** The work folder once the writer writes into it. */
let writing: string | undefined;

// The race, decided: the writer wins it every time (test/support/held-folder-removal.ts).
const removal = holdRemovalOfWrittenFolders(
  (folder) => writing !== undefined && (folder === writing || folder === join(writing, "store") || dirname(folder) === join(writing, "store")),
  (folder) => process.stderr.write(`deaf writer: the removal's last rmdir (${folder.slice((writing as string).length) || "the work folder"}) waited for the writer's next entry\n`),
);

const writer: MatrixCheck = {
  column: "storage",
  proves: "a stand-in that leaves a process writing into the work folder on one row",
  async run({ direction, pair, workDir }) {
    if (direction === "newer-to-older" && pair.newer.release === releaseTable.newest.release) {
      spawn(process.execPath, ["-e", WRITER, workDir], { stdio: "ignore" }).unref();
      writing = workDir;
      // Writing before the cell's deadline: a writer that started late (a node start under load)
      // let the removal find the folder still quiet and win, and the test failed.
      for (let waited = 0; !existsSync(join(workDir, "store")) && waited < 20_000; waited += 20) await sleep(20);
      process.stderr.write(removal.holdable ? "deaf writer: writing on\n" : "deaf writer: writing on; this Node's rmSync cannot be held, so the removal races the writer\n");
      return new Promise<never>(() => void setInterval(() => undefined, 1_000));
    }
    return { status: "pass", detail: "ok" };
  },
};

const checks = MATRIX_CHECKS as MatrixCheck[];
checks.splice(checks.findIndex((c) => c.column === "storage"), 1, writer);
