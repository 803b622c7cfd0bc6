import { accessSync, constants, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { parseCommandArgs, requireOption } from "../args.js";
import { checkFolder } from "../writable-path.js";
import { lockTimeoutOption } from "../lock-timeout-option.js";
import { stateFileTarget } from "../state-file-link.js";
import { CliError } from "../usage-error.js";
import { pathOption } from "../path-option.js";
import { releaseTable } from "../../versions/index.js";
import { formatUpgradeReport, LockFile, OWNER_LOCK, rehearseUpgrade, removeAbandonedFolders, StateError, workFolderRoomText, type UpgradeReport } from "../../state/index.js";
import { commandLogger } from "../command-logger.js";
import { writeJsonRefusal } from "../json-refusal.js";
import { tempFolderOf } from "../temp-folder.js";
import { interruptedStatus, watchInterrupts } from "../interrupts.js";

const NAME = "upgrade";

/** `status-compat upgrade --from R --to R --db FILE [--dry-run]`: the release engineer's rehearsal. */
export const upgradeCommand: Command = {
  path: ["upgrade"],
  usage: `status-compat upgrade --from RELEASE --to RELEASE --db FILE [--dry-run] [--json] [--work-dir DIR] [--lock-timeout MS]

Rehearses the upgrade on a copy of FILE made with SQLite's backup API and prints one status line
per check, then a verdict:
  - the migrations that run, each timed
  - row counts per table before and after (every existing table keeps its rows)
  - PRAGMA integrity_check and foreign_key_check on the upgraded copy
  - the schema matches the target level
  - every release from --from to --to still inside the compat window opens the upgraded copy and
    runs its own queries; releases below the new compat level are refused, as designed
  - what rolling back to --from later needs (no down, or \`migrate down --to NAME\`) and what a
    down to its own level would drop from the storage journal (unfinished uploads and downloads)
  - down back to the original level brings every row back equal
A --to that is not the release after --from (0.1.0 -> 0.3.0 skips 0.2.0) is rehearsed as a client
that skipped the releases in between upgrades: the report names them (a note, \`skipped\` in --json)
and a warning goes to stderr; the exit status is the verdict's, as for adjacent releases.
With --dry-run the original is only read, never written. Without it, FILE is upgraded for real
once every check has passed on the copy. The copies need twice FILE's size in --work-dir.

Options:
  --from RELEASE   release the file comes from, e.g. 0.1.0 (resolved through the release table)
  --to RELEASE     release to upgrade to, e.g. 0.3.0
  --db FILE        the state database
  --dry-run        rehearse only
  --json           the full report as one JSON document on stdout
  --work-dir DIR   where the copies go (default: the OS temp folder)
  --lock-timeout MS
                   how long the upgrade waits for another process's write transaction on FILE
                   before it is refused (E_STATE_LOCKED), and so how long --dry-run waits for one
                   before its apply line predicts that refusal (default 15000; 0 to 2147483647,
                   about 24.8 days)

Exit: 0 verdict ok, 1 a check failed, 2 usage, 3 bad release string, 4 state refused (also when every check
passed and the database then refused the real upgrade: locked by a running app or by another
process's write transaction that outlasts the --lock-timeout the upgrade waits for it, read-only, a disk
without room for what the migrations write beside FILE (measured on the copy), which
--dry-run predicts on its apply line with the same code; and when
the rehearsal could not finish because the disk refused: a --work-dir too small),
130 interrupted by Ctrl-C (143 SIGTERM, 129 SIGHUP; the copies are removed, FILE is not changed)`,
  async run(args, io) {
    const { values } = parseCommandArgs(NAME, args, {
      from: { type: "string" },
      to: { type: "string" },
      db: { type: "string" },
      "dry-run": { type: "boolean" },
      json: { type: "boolean" },
      "work-dir": { type: "string" },
      "lock-timeout": { type: "string" },
    });
    const lockTimeoutMs = lockTimeoutOption(NAME, values["lock-timeout"], "Nothing was rehearsed.");
    const from = requireOption(NAME, "from", values.from);
    const to = requireOption(NAME, "to", values.to);
    // Bad release strings are bad input (exit 3, the table's own errors); an order the releases
    // have but the flags reverse is the user's mix-up, not a database refusing (exit 4).
    const [fromRelease, toRelease] = [releaseTable.resolve(from), releaseTable.resolve(to)];
    if (releaseTable.indexOf(toRelease) < releaseTable.indexOf(fromRelease)) {
      throw new CliError("E_USAGE", `${NAME}: --to ${toRelease.release} is older than --from ${fromRelease.release}; a rollback is \`status-compat migrate down\``);
    }
    const givenDb = requireOption(NAME, "db", values.db);
    // A link is read through (a dangling one: the file it names); a loop is the user's path, one to a
    // folder the state layer's E_STATE_NOT_A_DATABASE, as a folder given itself.
    const db = stateFileTarget(NAME, "db", pathOption(NAME, "db", givenDb, io), givenDb, "Nothing was rehearsed.", "state-layer");
    // An empty --work-dir (an unset shell variable) resolved to the current folder, which got the copies.
    if (values["work-dir"] === "") throw new CliError("E_USAGE", `${NAME}: --work-dir needs a folder (it was empty); leave it out for the OS temp folder. Nothing was rehearsed.`);
    const workDir = values["work-dir"] === undefined ? undefined : pathOption(NAME, "work-dir", values["work-dir"], io);
    if (workDir !== undefined) {
      checkFolder(NAME, "work-dir", workDir, "Nothing was rehearsed.");
      // A read-only folder is the user's path too, found out before the database is opened.
      try {
        accessSync(workDir, constants.W_OK);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? "not writable";
        throw new CliError("E_USAGE", `${NAME}: --work-dir ${workDir} is a folder where files cannot be created (${code}); give one you can write, or leave --work-dir out. Nothing was rehearsed.`);
      }
    }
    const dryRun = values["dry-run"] === true;
    // The copies go to a folder of this run's own, so that a second Ctrl-C can remove them at once:
    // the first stops the rehearsal at its next step, and its clean-up may wait for a check it
    // cannot cut (the upgraded copy's integrity check on its thread); dying then left the copies.
    let scratch: string | undefined;
    let owner: LockFile | undefined;
    const removeScratch = (): void => {
      owner?.release();
      if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
    };
    // Ctrl-C or SIGTERM stops the rehearsal at its next step, which removes its copies (each the
    // size of FILE, in the OS temp folder by default); dying at once left them behind.
    const interrupts = watchInterrupts({
      workFolder: () => scratch,
      onRepeat: (again) => {
        io.stderr.write(`status-compat upgrade: interrupted again (${again}); stopping at once: the rehearsal copies are removed${dryRun ? ` and ${db} was not changed` : ""}\n`);
      },
    });
    let report: UpgradeReport | undefined;
    const parent = workDir ?? tempFolderOf(io.env);
    try {
      // Rehearsals killed outright left their folders (copies the size of FILE): their owner locks are free.
      removeAbandonedFolders(parent, (name) => name.startsWith(SCRATCH_PREFIX));
      scratch = makeScratch(parent);
      owner = takeOwnership(scratch);
      report = await rehearseUpgrade({
        path: db,
        from,
        to,
        dryRun,
        workDir: scratch,
        logger: commandLogger(io, "status-compat upgrade"),
        signal: interrupts.signal,
        ...(lockTimeoutMs === undefined ? {} : { lockTimeoutMs }),
      });
    } catch (error) {
      const signal = interrupts.received();
      if (signal === undefined || !(error instanceof StateError) || error.code !== "E_STATE_ABORTED") {
        if (values.json === true && error instanceof StateError) return writeJsonRefusal(io, NAME, db, error);
        throw error;
      }
    } finally {
      interrupts.dispose();
      removeScratch();
    }
    const signal = interrupts.received();
    // A signal stops the rehearsal at its next step; one that came after its last step still asked
    // to stop, and nothing was changed, so the run ends by it too. Only a real upgrade that
    // committed is reported: the file did change.
    if (report === undefined || (signal !== undefined && report.applied.length === 0)) {
      if (signal === undefined) throw new Error("the rehearsal ended without a report");
      io.stderr.write(`status-compat upgrade: interrupted (${signal}); the rehearsal copies are removed and ${db} was not changed\n`);
      return interruptedStatus(signal);
    }
    report = withUserFolder(report, workDir === undefined ? `the temp folder ${parent}` : `the --work-dir ${parent}`, parent, workDir === undefined ? "pass a --work-dir" : "pass another --work-dir");
    io.stdout.write(values.json === true ? JSON.stringify(report, null, 2) + "\n" : formatUpgradeReport(report));
    // A skip is a path users really take, rehearsed like any other: the exit status stays the
    // verdict's. What it may break lies outside this rehearsal (peers two releases apart), so it is
    // said where a script's log keeps it, also with --json (the report's `skipped`).
    if (report.skipped !== undefined && report.skipped.length > 0) {
      io.stderr.write(
        `status-compat upgrade: warning: --from ${report.from.release} --to ${report.to.release} skips ${report.skipped.join(", ")}; ` +
          `the file's upgrade through ${report.skipped.length === 1 ? "it" : "them"} was rehearsed, but releases that are not adjacent are not promised to interoperate\n`,
      );
    }
    if (report.verdict === "ok") return EXIT.OK;
    // Every check passed on the copy and only the real file's upgrade failed: the database refused
    // it (locked by a running app, read-only), a StateError, as `migrate up` reports with 4. Exit 1
    // would tell a release script the upgrade itself is unsafe.
    const failed = report.checks.filter((c) => c.status === "failed");
    // A check the disk stopped (a full --work-dir) found nothing wrong with the upgrade: exit 1
    // would tell a release script it is unsafe. The state layer's E_STATE_IO status, as for any
    // disk refusal.
    if (failed.every((c) => c.ioError !== undefined && c.id !== "apply")) {
      io.stderr.write(`status-compat upgrade: the rehearsal could not finish (an I/O error in the work folder: is it full?); nothing is known about the upgrade: ${failed.map((c) => `${c.id}: ${c.detail ?? ""}`).join("; ")}\n`);
      return EXIT.STATE;
    }
    // A file from a newer release than this build knows: the database refused, as `migrate up` says
    // of it (exit 4); nothing about the upgrade was checked.
    if (failed.length > 0 && failed.every((c) => c.code === "E_STATE_FROM_FUTURE")) {
      io.stderr.write(`status-compat upgrade: error[E_STATE_FROM_FUTURE]: ${db}: ${failed.map((c) => c.detail ?? "").join("; ")}. Nothing was rehearsed or written.\n`);
      return EXIT.STATE;
    }
    if (failed.length > 0 && failed.every((c) => c.id === "apply")) {
      // A dry run's apply line is the real run's refusal, predicted: the same status it will give.
      // The room check beside the original (ENOSPC, measured; the run's own disk failure is SQLITE_FULL)
      // refuses before the real run: no database refused anything then.
      const short = !report.dryRun && failed.every((c) => c.ioError === "ENOSPC");
      const what = report.dryRun ? "the real upgrade would be refused by the database" : short ? "the upgrade itself was not run, its disk lacks the room" : "the database refused the upgrade itself";
      io.stderr.write(`status-compat upgrade: every check passed on the copy; ${what}: ${failed.map((c) => c.detail ?? "").join("; ")}\n`);
      return EXIT.STATE;
    }
    return EXIT.CHECK_FAILED;
  },
};

const SCRATCH_PREFIX = "status-compat-upgrade-";

/**
 * The report as the user reads it: the rehearsal's work folder is this run's own inside `folder`
 * (the --work-dir, or the temp folder), removed when the run ends, so a copy line refused for room
 * names `folder` (`where`) and the flag that gives another (`advice`); it named the run's folder,
 * gone by then, and the API's option.
 */
function withUserFolder(report: UpgradeReport, where: string, folder: string, advice: string): UpgradeReport {
  if (!report.checks.some((c) => c.room !== undefined)) return report;
  const checks = report.checks.map((c) => {
    if (c.room === undefined) return c;
    const room = { ...c.room, workDir: folder };
    return { ...c, room, detail: `${c.code ?? "E_STATE_IO"}: ${workFolderRoomText(where, room, report.path, advice)}` };
  });
  return { ...report, checks };
}

/**
 * Marks `scratch` as this run's for as long as it runs. The lock is taken under another name and
 * then renamed, so a sweeping run never finds the owner lock free only because it is not taken yet.
 * Undefined when the folder does not take it: the run goes on, its folder is then never swept.
 */
function takeOwnership(scratch: string): LockFile | undefined {
  const pending = join(scratch, `${OWNER_LOCK}-pending`);
  let lock: LockFile | undefined;
  try {
    lock = LockFile.open(pending);
    if (!lock.tryTake()) throw new Error("taken");
    renameSync(pending, join(scratch, OWNER_LOCK));
    return lock;
  } catch {
    lock?.release();
    return undefined;
  }
}

/** A folder of this run's own under `dir` for the rehearsal's copies; a folder that refuses it is the state layer's E_STATE_IO, as a copy it refuses. */
function makeScratch(dir: string): string {
  try {
    return mkdtempSync(join(dir, SCRATCH_PREFIX));
  } catch (error) {
    throw new StateError("E_STATE_IO", `cannot create the work folder for the rehearsal's copies in ${dir}: ${(error as Error).message}; free space there or give another --work-dir. Nothing was rehearsed.`, {
      cause: error,
      details: { path: dir },
    });
  }
}
