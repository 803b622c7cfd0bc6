import { existsSync } from "node:fs";
import { setImmediate as nextTurn } from "node:timers/promises";
import { resolve } from "node:path";
import type { Command } from "../command.js";
import { EXIT, exitCodeFor } from "../exit-codes.js";
import { parseCommandArgs, requireOption } from "../args.js";
import { CliError } from "../usage-error.js";
import { byteSizeOf, SIZE_FORM } from "../byte-size.js";
import { pathOption } from "../path-option.js";
import { checkWritablePath } from "../writable-path.js";
import { lockTimeoutOption } from "../lock-timeout-option.js";
import { stateFileTarget } from "../state-file-link.js";
import { DEFAULT_LOCK_TIMEOUT_MS, describeJournalLoss, inspectStateWaiting, migrateState, shippedCatalog, StateError, type MigrateStateResult, type StateInspection } from "../../state/index.js";
import { commandLogger } from "../command-logger.js";
import { tempFolderOf } from "../temp-folder.js";
import { writeJsonRefusal } from "../json-refusal.js";
import { interruptedStatus, watchInterrupts } from "../interrupts.js";
import { MIGRATE_USAGE } from "./migrate-usage.js";

const NAME = "migrate";

function ms(n: number): string {
  return n < 1000 ? `${n.toFixed(0)} ms` : `${(n / 1000).toFixed(2)} s`;
}

function statusText(s: StateInspection): string {
  const lines = [
    `${s.path}`,
    `  state level      ${s.exists ? s.level : "(no file yet)"}`,
    `  compat level     ${s.exists ? s.compatLevel : "-"}  (oldest level that can use the file)`,
    `  this build       level ${s.codeLevel}`,
  ];
  if (s.applied.length > 0) {
    lines.push("  applied:");
    for (const a of s.applied) {
      lines.push(`    ${a.name.padEnd(32)} level ${a.level} compat ${a.compatLevel}  ${new Date(a.appliedAt).toISOString()}  ${ms(a.durationMs)}  sha256 ${a.checksum.slice(0, 12)}`);
    }
  }
  if (s.pending.length > 0) lines.push("  pending:", ...s.pending.map((p) => `    ${p}`));
  if (s.future.length > 0) lines.push("  from newer releases (unknown to this build):", ...s.future.map((p) => `    ${p}`));
  lines.push(s.problem === undefined ? "  status           clean" : `  status           refused: error[${s.problem.code}]: ${s.problem.message}`);
  if (s.journal !== undefined) {
    lines.push(`  storage journal  ${describeJournalLoss(s.journal)}: a down to a level without the journal refuses while they remain`);
  }
  return lines.join("\n") + "\n";
}

/**
 * `migrate status --json` for a file it could not read at all: the shape of a readable file's
 * status, with what could not be read null or empty and the refusal as `problem`.
 */
function unreadableStatus(path: string, error: StateError): Record<string, unknown> {
  return {
    path,
    exists: existsSync(path),
    codeLevel: shippedCatalog().maxLevel,
    level: null,
    compatLevel: null,
    applied: [],
    pending: [],
    future: [],
    problem: error.toJSON(),
  };
}

function resultText(direction: string, r: MigrateStateResult): string {
  const lines = [
    `migrate ${direction} ${r.path}${r.dryRun ? " (dry run, nothing written)" : ""}: level ${r.before.level} -> ${r.after.level} (compat level ${r.before.compatLevel} -> ${r.after.compatLevel})`,
  ];
  if (r.runs.length === 0) lines.push("  nothing to do");
  const verb = (up: boolean): string => (r.dryRun ? (up ? "would apply " : "would revert") : up ? "applied " : "reverted");
  for (const run of r.runs) lines.push(`  ${verb(run.direction === "up")} ${run.name.padEnd(32)} ${ms(run.durationMs).padStart(9)}`);
  if (r.discarded !== undefined) lines.push(`  ${r.dryRun ? "would discard" : "discarded"} ${describeJournalLoss(r.discarded)} (--discard-unfinished-jobs)`);
  if (r.dataLoss !== undefined) {
    lines.push(`  ${r.dryRun ? "would drop" : "dropped"}:`);
    for (const t of r.dataLoss.tables) lines.push(`    table  ${t.table.padEnd(34)} ${t.rows.toLocaleString("en-US").padStart(9)} rows${t.journal ? "    (storage journal)" : ""}`);
    for (const c of r.dataLoss.columns) {
      lines.push(`    column ${`${c.table}.${c.column}`.padEnd(34)} ${c.values.toLocaleString("en-US").padStart(9)} values${c.journal ? "  (storage journal)" : ""}`);
    }
  }
  return lines.join("\n") + "\n";
}

/**
 * `--dry-run-memory SIZE`: the budget of a dry run (the API's dryRunMemoryBytes), for a CI box whose
 * half of its memory refuses a file the engineer knows fits (E_STATE_TOO_LARGE had no way round but
 * another machine). Checked before the file is opened, as --lock-timeout: a usage error naming the
 * form and range; and only with --dry-run, since nothing else reads it (taken without a word, a
 * budget given to a real run would look like one that was applied).
 */
function dryRunMemoryOf(text: string | undefined, dryRun: boolean, action: string): number | undefined {
  if (text === undefined) return undefined;
  const bytes = byteSizeOf(text);
  if (bytes === undefined) {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    throw new CliError("E_USAGE", `${NAME}: --dry-run-memory must be ${SIZE_FORM}, not ${JSON.stringify(shown)}. Nothing was run.`);
  }
  if (action === "status") throw new CliError("E_USAGE", `${NAME} status: --dry-run-memory goes with up or down --dry-run (status only reads)`);
  if (!dryRun) throw new CliError("E_USAGE", `${NAME} ${action}: --dry-run-memory goes with --dry-run (only a dry run keeps the pages it changes in memory). Nothing was run.`);
  return bytes;
}

/** `status-compat migrate status|up|down --db FILE [--to NAME]`: the local state database's migrations. */
export const migrateCommand: Command = {
  path: ["migrate"],
  usage: MIGRATE_USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      NAME,
      args,
      {
        db: { type: "string" },
        to: { type: "string" },
        json: { type: "boolean" },
        "lock-timeout": { type: "string" },
        "discard-unfinished-jobs": { type: "boolean" },
        "discard-data": { type: "boolean" },
        "dry-run": { type: "boolean" },
        "dry-run-memory": { type: "string" },
      },
      true,
    );
    const action = positionals[0];
    if (action === undefined) throw new CliError("E_USAGE", `${NAME}: give one of status, up, down (see --help)`);
    if (action !== "status" && action !== "up" && action !== "down") {
      throw new CliError("E_USAGE", `${NAME}: expected one of status, up, down, not ${JSON.stringify(action)} (see --help)`);
    }
    // A second word is most often the rest of an unquoted path with a space (--db /data/My Folder/state.sqlite):
    // "expected one of status, up, down" answered a user who had given one.
    if (positionals.length > 1) {
      throw new CliError(
        "E_USAGE",
        `${NAME} ${action}: unexpected ${JSON.stringify(positionals[1])} after ${action}; a path with spaces goes in quotes (--db "/data/My Folder/state.sqlite"). Nothing was run.`,
      );
    }
    const givenDb = requireOption(NAME, "db", values.db);
    // A link is read through (a dangling one: the file it names); a loop is the user's path, one to a
    // folder the state layer's E_STATE_NOT_A_DATABASE, as a folder given itself.
    const db = stateFileTarget(NAME, "db", pathOption(NAME, "db", givenDb, io), givenDb, "Nothing was written.", "state-layer");
    const lockTimeout = lockTimeoutOption(NAME, values["lock-timeout"], "Nothing was run.");
    const dryRunMemory = dryRunMemoryOf(values["dry-run-memory"], values["dry-run"] === true, action);
    const discard = values["discard-unfinished-jobs"] === true;
    if (discard && action !== "down") throw new CliError("E_USAGE", `${NAME} ${action}: --discard-unfinished-jobs goes with down`);
    const discardData = values["discard-data"] === true;
    if (discardData && action !== "down") throw new CliError("E_USAGE", `${NAME} ${action}: --discard-data goes with down`);
    if (action === "status") {
      if (values.to !== undefined) throw new CliError("E_USAGE", `${NAME} status: --to goes with up or down`);
      if (values["dry-run"] === true) throw new CliError("E_USAGE", `${NAME} status: --dry-run goes with up or down (status only reads)`);
      // A database it cannot read where it is (WAL on a read-only file system) is read from a copy
      // in the temp folder of the env main() is given (not the process's), as large as the database. A signal is held until inspectState has
      // removed it (the handler sees a signal that came meanwhile once the loop has polled); left
      // to Node it ended the process with the copy behind. A file another process holds (a tool in
      // a large write) is waited for by polling up to --lock-timeout, as up and down wait for it:
      // inspectState waited SQLite's busy timeout with the loop frozen, Ctrl-C unheard.
      const interrupts = watchInterrupts();
      let s: StateInspection | undefined;
      let unreadable: StateError | undefined;
      try {
        try {
          s = await inspectStateWaiting(db, shippedCatalog(), {
            workDir: tempFolderOf(io.env),
            signal: interrupts.signal,
            ...(lockTimeout === undefined ? {} : { lockTimeoutMs: lockTimeout }),
            onWait: () => io.stderr.write(`status-compat migrate: ${db} is held by another process; waiting up to ${ms(lockTimeout ?? DEFAULT_LOCK_TIMEOUT_MS)} for it (--lock-timeout MS; Ctrl-C stops)\n`),
          });
        } catch (error) {
          // Ctrl-C while it waited for a held file: reported below as the interruption it is.
          const interrupted = error instanceof StateError && error.code === "E_STATE_ABORTED" && interrupts.received() !== undefined;
          // A file it cannot read at all (not a database, corrupt): a script reading --json gets
          // the refusal as one object too, not an empty stdout its JSON.parse fails on.
          if (!interrupted && (values.json !== true || !(error instanceof StateError))) throw error;
          if (!interrupted) unreadable = error as StateError;
        }
        // Two turns: the first may run before the loop polls again (see src/state/stop-point.ts).
        await nextTurn();
        await nextTurn();
      } finally {
        interrupts.dispose();
      }
      const signal = interrupts.received();
      if (signal !== undefined) {
        io.stderr.write(`status-compat migrate: interrupted (${signal}); nothing was left behind\n`);
        return interruptedStatus(signal);
      }
      if (s === undefined) {
        const error = unreadable as StateError;
        io.stdout.write(JSON.stringify(unreadableStatus(db, error), null, 2) + "\n");
        io.stderr.write(`status-compat migrate: error[${error.code}]: ${error.message}\n`);
        return exitCodeFor(error);
      }
      if (values.json === true) {
        io.stdout.write(JSON.stringify({ ...s, problem: s.problem?.toJSON() ?? null }, null, 2) + "\n");
      } else io.stdout.write(statusText(s));
      return s.problem === undefined ? EXIT.OK : EXIT.STATE;
    }
    if (values.to === "0" && action === "up") throw new CliError("E_USAGE", `${NAME} up: --to 0 only makes sense for down`);
    // A script's unset variable: refused as a usage error, not as a migration this build lacks (exit 4, "state refused").
    if (values.to === "") throw new CliError("E_USAGE", `${NAME} ${action}: --to needs a migration name (it was empty); leave it out to apply every pending migration (up) or to revert the last one applied (down)`);
    // up creates a missing FILE; a missing folder is the user's path (the state layer calls it read-only).
    // The path as typed goes too: a trailing slash names a folder, which resolving drops (the database was created as a file of that name).
    if (action === "up" && !existsSync(db)) checkWritablePath(NAME, "db", db, "Nothing was written.", givenDb, "state.sqlite");
    // Ctrl-C, SIGTERM or a hangup stops the run at its next stop point (the lock waits, between
    // migrations, before the commit): it rolls back, lets go of its locks and closes the file, so
    // no -wal of an open transaction is left. Left to the signal's default, the process died at
    // once without a word. A second signal has its default effect: nothing is committed by then.
    const existed = existsSync(db);
    const interrupts = watchInterrupts();
    let result: MigrateStateResult;
    try {
      result = await migrateState({
        path: db,
        direction: action,
        ...(values.to === undefined ? {} : { to: values.to === "0" ? 0 : values.to }),
        ...(lockTimeout === undefined ? {} : { lockTimeoutMs: lockTimeout }),
        discardUnfinishedJobs: discard,
        discardData,
        dryRun: values["dry-run"] === true,
        ...(dryRunMemory === undefined ? {} : { dryRunMemoryBytes: dryRunMemory }),
        logger: commandLogger(io, "status-compat migrate"),
        signal: interrupts.signal,
      });
      // A signal during a last synchronous step is handled once the loop polls (see src/state/stop-point.ts).
      await nextTurn();
      await nextTurn();
    } catch (error) {
      const signal = interrupts.received();
      // A down --to a migration the file has not applied: the value, not the file, is wrong (exit 2, not 4).
      if (error instanceof StateError && error.code === "E_STATE_LEVEL_UNKNOWN" && error.details["downTargets"] !== undefined) {
        throw new CliError("E_USAGE", `${NAME} down: --to ${error.message}`, { cause: error });
      }
      if (signal === undefined || !(error instanceof StateError) || error.code !== "E_STATE_ABORTED") {
        if (values.json === true && error instanceof StateError) return writeJsonRefusal(io, NAME, db, error);
        throw error;
      }
      // An up that was to create the file leaves none (see migrateState).
      io.stderr.write(`status-compat migrate: interrupted (${signal}) before the commit; ${db} ${existed ? "keeps its level" : "was not created"}\n`);
      return interruptedStatus(signal);
    } finally {
      interrupts.dispose();
    }
    // A signal after the commit came too late to stop it: the file did change, so the result is
    // reported. A dry run, or a run with nothing to do, changed nothing, and ends by the signal.
    const late = interrupts.received();
    if (late !== undefined && (result.dryRun || result.runs.length === 0)) {
      io.stderr.write(`status-compat migrate: interrupted (${late}); ${db} keeps its level\n`);
      return interruptedStatus(late);
    }
    io.stdout.write(values.json === true ? JSON.stringify(result, null, 2) + "\n" : resultText(action, result));
    return EXIT.OK;
  },
};
