import { tmpdir } from "node:os";
import { shippedCatalog, type MigrationCatalog } from "./migration-catalog.js";
import { readAssessment } from "./read-assessment.js";
import { StateError } from "./state-error.js";
import { openConnection, probeStateFile } from "./state-file.js";
import { readLedger, type AppliedMigration } from "./state-ledger.js";
import { toStateError } from "./sqlite-errors.js";
import { needsStagedCopy, stageCopy } from "./staged-copy.js";
import { readOnlyFor } from "./read-mode.js";

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
}

/**
 * Reports where a file stands without changing it (`migrate status`). Refusals that are about
 * the history or schema are reported as `problem` with what could still be read; a file that is
 * not a database or is corrupt throws. A WAL file in a folder where SQLite cannot create its
 * `-shm` (a read-only file system) is read from a copy in the OS temp folder, removed afterwards.
 */
export function inspectState(path: string, catalog: MigrationCatalog = shippedCatalog()): StateInspection {
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
  const staged = needsStagedCopy(path) ? stageCopy(path, tmpdir()) : undefined;
  let db;
  try {
    // A writable file is opened read-write but only read: a read-only connection would leave -wal/-shm files behind (see readOnlyFor).
    db = openConnection(staged?.path ?? path, { readOnly: staged === undefined && readOnlyFor(path, probe), create: false, busyTimeoutMs: 2_000 });
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
      return {
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
