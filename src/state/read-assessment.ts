import type Database from "better-sqlite3";
import { assessState, type StateAssessment } from "./assess-state.js";
import type { MigrationCatalog } from "./migration-catalog.js";
import { StateError } from "./state-error.js";
import { toStateError } from "./sqlite-errors.js";

/** assessState inside one read transaction (ledger and schema from the same snapshot). */
export function readAssessment(db: Database.Database, catalog: MigrationCatalog, path: string): StateAssessment {
  try {
    return db.transaction(() => assessState(db, catalog, path)).deferred();
  } catch (error) {
    throw toStateError(error, path, "read the state");
  }
}

/** Refuses a file whose compat level says code at `codeLevel` can no longer use it. */
export function assertUsableBy(assessment: StateAssessment, codeLevel: number, path: string): void {
  if (assessment.compatLevel > codeLevel) {
    throw new StateError(
      "E_STATE_FROM_FUTURE",
      `${path} is at state level ${assessment.level} and needs code at level ${assessment.compatLevel} or newer; this code runs level ${codeLevel}. ` +
        "It was upgraded by a release two or more ahead: update the app, or roll the file back with that release (`status-compat migrate down`). The file was not touched.",
      { details: { path, level: assessment.level, compatLevel: assessment.compatLevel, codeLevel } },
    );
  }
}
