/**
 * Runs inside a mount namespace of its own where <dir> is a small tmpfs (test/state/rehearsal-wal-room.test.ts):
 * puts the level-1 fixture there as state.sqlite, fills the disk but for <leaveBytes>, then runs the
 * upgrade 0.1.0 -> 0.3.0 as a dry run, for real, and as a dry run again once the filler is gone,
 * the copies in <workDir> (a disk with room). Prints one JSON object of what each said.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inspectState, rehearseUpgrade, type UpgradeReport } from "../../../src/state/index.js";

// Not from ./files.js: that one brings vitest, which a child process cannot load.
const STATE_FIXTURES = fileURLToPath(new URL("../../../fixtures/state/", import.meta.url));
const sha256File = (p: string): string => createHash("sha256").update(readFileSync(p)).digest("hex");

const [dir, workDir, leave] = process.argv.slice(2);
if (dir === undefined || workDir === undefined || leave === undefined) process.exit(2);
const path = join(dir, "state.sqlite");
copyFileSync(join(STATE_FIXTURES, "level1.sqlite"), path);
const filler = join(dir, "filler");
const fs = statfsSync(dir);
writeFileSync(filler, Buffer.alloc(Math.max(0, Number(fs.bavail) * Number(fs.bsize) - Number(leave))));
const free = (): number => {
  const now = statfsSync(dir);
  return Number(now.bavail) * Number(now.bsize);
};
const summary = (r: UpgradeReport) => ({
  notOk: r.checks.filter((c) => c.status !== "ok").map((c) => [c.id, c.code ?? null, c.ioError ?? null]),
  apply: r.checks.find((c) => c.id === "apply")?.detail ?? null,
  verdict: r.verdict,
});
const freeBefore = free();
const hash = sha256File(path);
const dry = summary(await rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", workDir }));
const unchangedByDry = sha256File(path) === hash;
const real = summary(await rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", dryRun: false, workDir }));
const levelAfterReal = inspectState(path).level;
// Left by a checkpoint the full disk stopped; absent after one that moved everything into the file.
const walAfterReal = existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
rmSync(filler);
const dryWithRoom = summary(await rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", workDir }));
process.stdout.write(JSON.stringify({ freeBefore, dry, unchangedByDry, real, levelAfterReal, walAfterReal, dryWithRoom }) + "\n");
