// Preloaded (node --import) into a CLI child: the matrix's storage column becomes a check that, on
// the last pair's newer-to-older row, ignores its abort signal and leaves a process of its own
// writing files into the run's work folder (as a storage node whose data folder is there would), so
// the folder's removal at the end races with it. The writer ends once the CLI process has.
// Every other row passes at once.
import { spawn } from "node:child_process";
import fs, { existsSync, mkdtempSync, readdirSync, writeFileSync, type PathLike, type RmDirOptions } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { MATRIX_CHECKS, type MatrixCheck } from "../../../src/compat/index.js";
import { releaseTable } from "../../../src/versions/index.js";

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

// The race, decided: the writer wins it every time. Node 20's rmSync (lib/internal/fs/rimraf.js)
// empties a folder, then takes it away with fs.rmdirSync, looked up at each call; a removal that
// reached that step between two of the writer's entries found the folder empty and won (the test
// failed once at load 11). For the writer's folders that step now waits until the writer has put
// an entry back, as it does when it wins, so the removal meets a folder not empty (ENOTEMPTY from
// the kernel). Checked before use: a Node whose rmSync does not go through fs.rmdirSync (native
// from Node 22) runs the race as it was, and says so.
const rmdirSync = fs.rmdirSync;
let probe: string | undefined;
let probed = false;
let held = false;
fs.rmdirSync = (path: PathLike, options?: RmDirOptions): void => {
  const folder = String(path);
  if (folder === probe) probed = true;
  if (writing !== undefined && (folder === writing || folder === join(writing, "store") || dirname(folder) === join(writing, "store"))) {
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let waited = 0; isEmpty(folder) && waited < 20_000; waited += 5) Atomics.wait(pause, 0, 0, 5);
    if (!held) process.stderr.write(`deaf writer: the removal's last rmdir (${folder.slice(writing.length) || "the work folder"}) waited for the writer's next entry\n`);
    held = true;
  }
  rmdirSync(path, options);
};
probe = mkdtempSync(join(tmpdir(), "deaf-writer-probe-"));
writeFileSync(join(probe, "entry"), "");
fs.rmSync(probe, { recursive: true });

function isEmpty(folder: string): boolean {
  try {
    return readdirSync(folder).length === 0;
  } catch {
    return false; // Gone: the rmdir says what it finds.
  }
}

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
      process.stderr.write(probed ? "deaf writer: writing on\n" : "deaf writer: writing on; this Node's rmSync cannot be held, so the removal races the writer\n");
      return new Promise<never>(() => void setInterval(() => undefined, 1_000));
    }
    return { status: "pass", detail: "ok" };
  },
};

const checks = MATRIX_CHECKS as MatrixCheck[];
checks.splice(checks.findIndex((c) => c.column === "storage"), 1, writer);
