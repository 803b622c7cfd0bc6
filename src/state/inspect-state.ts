import { tmpdir } from "node:os";
import type Database from "better-sqlite3";
import { MigrationCatalog, shippedCatalog } from "./migration-catalog.js";
import { readAssessment } from "./read-assessment.js";
import { StateError } from "./state-error.js";
import { openConnection, probeStateFile } from "./state-file.js";
import { readLedger, type AppliedMigration } from "./state-ledger.js";
import { toStateError } from "./sqlite-errors.js";
import { needsStagedCopy, stageCopy } from "./staged-copy.js";
import { readOnlyFor } from "./read-mode.js";
import { rollbackLoss, type JournalLoss } from "./rollback-loss.js";
import { assertKnownOptions, describedValue, keysOf } from "../errors/index.js";
import { lockTimeoutOf } from "./migration-lock.js";
import { whileHeld } from "./open-waiting.js";
import { isBusy } from "./busy-retry.js";

export interface StateInspection {
  readonly path: string;
  readonly exists: boolean;
  /** Newest level this build knows. */
  readonly codeLevel: number;
  readonly level: number;
  readonly compatLevel: number;
  readonly applied: readonly AppliedMigration[];
  /** This build's migrations not applied yet. */
  readonly pending: readonly string[];
  /** Applied migrations from newer levels than this build knows. */
  readonly future: readonly string[];
  /** Why the runner would refuse the file (dirty, edited, missing, out of order, from the future); undefined when clean. */
  readonly problem: StateError | undefined;
  /**
   * Work the storage journal holds that a `down` below the journal's level would lose (unfinished
   * uploads and downloads, done uploads still renewed); undefined when none, or the file is not clean.
   */
  readonly journal?: JournalLoss;
}

export interface InspectStateOptions {
  /**
   * The folder a copy of a database that cannot be read where it is goes to (a folder of its own
   * in it, removed afterwards), as `rehearseUpgrade`'s and `runMatrix`'s `workDir`. Default
   * os.tmpdir(), which reads the process's TMPDIR: the CLI passes the one of the env it is given.
   */
  readonly workDir?: string;
}

/** The keys InspectStateOptions has (the compiler holds the two together); inspectState refuses any other. */
const INSPECT_STATE_OPTIONS = keysOf<InspectStateOptions>()({ workDir: true });

export interface InspectStateWaitingOptions extends InspectStateOptions {
  /** How long to wait for a file another process holds (ms; default 15 s, 0: one try), as migrateState's lockTimeoutMs. */
  readonly lockTimeoutMs?: number;
  /** Ends the wait for a held file (E_STATE_ABORTED). */
  readonly signal?: AbortSignal;
  /** Called once, when the first try finds the file held (to say that it waits). */
  readonly onWait?: () => void;
}

const INSPECT_STATE_WAITING_OPTIONS = keysOf<InspectStateWaitingOptions>()({ workDir: true, lockTimeoutMs: true, signal: true, onWait: true });

/**
 * Reports where a file stands without changing it (`migrate status`). Refusals that are about
 * the history or schema are reported as `problem` with what could still be read; a file that is
 * not a database or is corrupt throws. A WAL file in a folder where SQLite cannot create its
 * `-shm` (a read-only file system) is read from a copy in `options.workDir` (default the OS temp
 * folder, os.tmpdir()), removed afterwards, also when the read fails.
 *
 * It never waits: a file another process holds so that it cannot be read now is E_STATE_LOCKED at
 * once, naming inspectStateWaiting. It waited SQLite's busy timeout (2 s) inside the call, which
 * froze the calling thread (an app's UI, on its main thread).
 */
export function inspectState(path: string, catalog: MigrationCatalog = shippedCatalog(), options: InspectStateOptions = {}): StateInspection {
  assertCatalog("inspectState", catalog);
  assertKnownOptions("inspectState", options, INSPECT_STATE_OPTIONS);
  try {
    return inspectOnce(path, catalog, options, 0);
  } catch (error) {
    if (error instanceof StateError && error.code === "E_STATE_LOCKED" && isBusy(error.cause)) throw heldNow(path, error);
    throw error;
  }
}

/** The synchronous call's refusal of a held file: says why it did not wait and which call does. */
function heldNow(path: string, error: StateError): StateError {
  return new StateError(
    "E_STATE_LOCKED",
    `${path} is held by another process (a write under BEGIN EXCLUSIVE, or locking_mode EXCLUSIVE), so it cannot be read now; ` +
      "inspectState does not wait (a synchronous wait freezes the calling thread): call inspectStateWaiting to wait for it, or try again later",
    { cause: error.cause, details: { path, waiting: "inspectStateWaiting" } },
  );
}

/**
 * inspectState without SQLite's busy wait: a file another process holds (a rollback-journal file
 * under BEGIN EXCLUSIVE, a process in locking_mode EXCLUSIVE) is tried again by polling up to
 * `lockTimeoutMs`, the event loop free and `signal` heard, as openState and migrateState wait
 * (src/state/open-waiting.ts); then its E_STATE_LOCKED. inspectState waited its busy timeout frozen
 * (`migrate status`: timers and Ctrl-C unheard).
 */
export async function inspectStateWaiting(path: string, catalog: MigrationCatalog = shippedCatalog(), options: InspectStateWaitingOptions = {}): Promise<StateInspection> {
  assertCatalog("inspectStateWaiting", catalog);
  assertKnownOptions("inspectStateWaiting", options, INSPECT_STATE_WAITING_OPTIONS);
  const timeoutMs = lockTimeoutOf(options.lockTimeoutMs);
  const once = { ...(options.workDir === undefined ? {} : { workDir: options.workDir }) };
  return whileHeld(() => inspectOnce(path, catalog, once, 0), path, `read ${path}`, {
    timeoutMs,
    signal: options.signal,
    ...(options.onWait === undefined ? {} : { onWait: options.onWait }),
  });
}

// Every other entry point takes its options second: inspectState(path, { workDir }) failed inside
// the call ("Cannot read properties of undefined (reading 'map')"), naming nothing the caller wrote.
function assertCatalog(name: string, catalog: unknown): asserts catalog is MigrationCatalog {
  if (!(catalog instanceof MigrationCatalog)) {
    const given = typeof catalog === "object" && catalog !== null && !Array.isArray(catalog) ? "an object that is not one" : describedValue(catalog);
    throw new TypeError(
      `${name}'s second argument is the migration catalog (a MigrationCatalog, or undefined for the one this build ships), not ${given}; its options go third: ${name}(path, undefined, { workDir })`,
    );
  }
}

function inspectOnce(path: string, catalog: MigrationCatalog, options: InspectStateOptions, busyTimeoutMs: number): StateInspection {
  const probe = probeStateFile(path);
  if (!probe.exists) {
    return {
      path,
      exists: false,
      codeLevel: catalog.maxLevel,
      level: 0,
      compatLevel: 0,
      applied: [],
      pending: catalog.entries.map((e) => e.definition.name),
      future: [],
      problem: undefined,
    };
  }
  const staged = needsStagedCopy(path) ? stageCopy(path, options.workDir ?? tmpdir()) : undefined;
  let db;
  try {
    // A writable file is opened read-write but only read: a read-only connection would leave -wal/-shm files behind (see readOnlyFor).
    db = openConnection(staged?.path ?? path, { readOnly: staged === undefined && readOnlyFor(path, probe), create: false, busyTimeoutMs });
  } catch (error) {
    staged?.remove();
    throw error;
  }
  try {
    try {
      const a = readAssessment(db, catalog, path);
      const problem =
        a.compatLevel > catalog.maxLevel
          ? new StateError("E_STATE_FROM_FUTURE", `${path} needs code at level ${a.compatLevel} or newer; this build knows up to ${catalog.maxLevel}`, {
              details: { path },
            })
          : undefined;
      // Counted with this build's queries: a file from a newer level may lay the journal out otherwise.
      const journal = problem === undefined && a.future.length === 0 ? journalOf(db, path) : undefined;
      return {
        ...(journal === undefined ? {} : { journal }),
        path,
        exists: true,
        codeLevel: catalog.maxLevel,
        level: a.level,
        compatLevel: a.compatLevel,
        applied: a.applied,
        pending: a.pending.map((e) => e.definition.name),
        future: a.future.map((f) => f.name),
        problem,
      };
    } catch (error) {
      if (!(error instanceof StateError) || ["E_STATE_NOT_A_DATABASE", "E_STATE_CORRUPT", "E_STATE_IO", "E_STATE_LOCKED"].includes(error.code)) throw error;
      let ledger;
      try {
        ledger = readLedger(db);
      } catch (readError) {
        throw toStateError(readError, path, "read the state");
      }
      const applied = ledger.kind === "ledger" ? ledger.applied : [];
      const version = ledger.kind === "ledger" ? ledger.version : undefined;
      return {
        path,
        exists: true,
        codeLevel: catalog.maxLevel,
        level: version?.level ?? 0,
        compatLevel: version?.compatLevel ?? 0,
        applied,
        pending: [],
        future: [],
        problem: error,
      };
    }
  } finally {
    db.close();
    staged?.remove();
  }
}

/** Every journal row a down to nothing would lose: what the journal still has to do. */
function journalOf(db: Database.Database, path: string): JournalLoss | undefined {
  try {
    return db.transaction(() => rollbackLoss(db, { tables: [], others: [] })).deferred();
  } catch (error) {
    throw toStateError(error, path, "count the storage journal's unfinished jobs");
  }
}
