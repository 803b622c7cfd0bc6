/**
 * Runs inside a mount namespace of its own where <dir> is a small tmpfs (test/state/rehearsal-room-beside.test.ts):
 * puts the level-1 fixture there as state.sqlite (with <walBytes> of an app's commits left in its
 * -wal, as an app killed before its checkpoint leaves them, when not 0), fills the disk but for
 * <leaveBytes>, then runs the upgrade 0.1.0 -> 0.3.0 as a dry run and for real, the copies in
 * <workDir> (`same`: a folder on that tmpfs, beside the original). Prints one JSON object of what
 * each said, the original's bytes after each, its level, and what the CLI's real upgrade then says.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statfsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PassThrough } from "node:stream";
import Database from "better-sqlite3";
import { main } from "../../../src/cli/main.js";
import { inspectState, rehearseUpgrade, type UpgradeReport } from "../../../src/state/index.js";

// Not from ./files.js: that one brings vitest, which a child process cannot load.
const STATE_FIXTURES = fileURLToPath(new URL("../../../fixtures/state/", import.meta.url));

const [dir, workArg, leave, walArg] = process.argv.slice(2);
if (dir === undefined || workArg === undefined || leave === undefined || walArg === undefined) process.exit(2);
const path = join(dir, "state.sqlite");
const workDir = workArg === "same" ? join(dir, "work") : workArg;
mkdirSync(workDir, { recursive: true });
copyFileSync(join(STATE_FIXTURES, "level1.sqlite"), path);
if (Number(walArg) > 0) {
  // A reader keeps the -wal from being checkpointed while the writer closes: the commits stay in it.
  const reader = new Database(path, { readonly: true });
  reader.pragma("journal_mode");
  const writer = new Database(path);
  writer.pragma("journal_mode = WAL");
  reader.prepare("BEGIN").run();
  reader.prepare("SELECT count(*) FROM peers").get();
  const insert = writer.prepare("INSERT INTO settings (key, value) VALUES (?, hex(randomblob(2000)))");
  for (let i = 0; i * 4000 < Number(walArg); i++) insert.run(`app-${i}`);
  writer.close();
  reader.prepare("COMMIT").run();
  reader.close();
}
const fs = statfsSync(dir);
writeFileSync(join(dir, "filler"), Buffer.alloc(Math.max(0, Number(fs.bavail) * Number(fs.bsize) - Number(leave))));
const bytes = (): string =>
  ["", "-wal"].map((s) => (existsSync(path + s) ? createHash("sha256").update(readFileSync(path + s)).digest("hex") : "-")).join(" ");
const summary = (r: UpgradeReport) => ({
  notOk: r.checks.filter((c) => c.status !== "ok").map((c) => [c.id, c.code ?? null, c.ioError ?? null]),
  apply: r.checks.find((c) => c.id === "apply")?.detail ?? null,
  verdict: r.verdict,
});
const before = bytes();
const walBefore = existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
const dry = summary(await rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", workDir }));
const unchangedByDry = bytes() === before;
const real = summary(await rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", dryRun: false, workDir }));
const unchangedByReal = bytes() === before;
const levelAfterReal = inspectState(path).level;
const walAfterReal = existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
const now = statfsSync(dir);
// The same real upgrade through the CLI: its exit status and what it says on stderr.
const stderr = new PassThrough();
const said: Buffer[] = [];
stderr.on("data", (b: Buffer) => said.push(b));
const code = await main(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--work-dir", workDir], { stdout: new PassThrough(), stderr, stderrIsTTY: false, env: process.env, cwd: process.cwd() });
const cli = { code, stderr: Buffer.concat(said).toString("utf8") };
process.stdout.write(JSON.stringify({ walBefore, dry, unchangedByDry, real, unchangedByReal, levelAfterReal, walAfterReal, freeAfter: Number(now.bavail) * Number(now.bsize), cli }) + "\n");
