import { releaseTable } from "../versions/index.js";
import type { MigrationCatalog } from "./migration-catalog.js";
import { StateError } from "./state-error.js";

/**
 * The state level the calling code runs at: an explicit level, or a release resolved through the
 * release table (bad strings raise its typed VersionError), or the newest level of this build.
 */
export function resolveCodeLevel(catalog: MigrationCatalog, level?: number, release?: string): number {
  if (level !== undefined && release !== undefined) {
    throw new StateError("E_STATE_LEVEL_UNKNOWN", "give either a level or a release, not both");
  }
  const resolved = release !== undefined ? releaseTable.resolve(release).stateLevel : (level ?? catalog.maxLevel);
  if (!Number.isInteger(resolved) || resolved < 1 || resolved > catalog.maxLevel) {
    throw new StateError(
      "E_STATE_LEVEL_UNKNOWN",
      // A level given as text ("2") is not "a level this build lacks".
      typeof resolved === "number"
        ? `state level ${resolved} is not one this build knows (1..${catalog.maxLevel})`
        : `state level ${JSON.stringify(resolved)} is a ${typeof resolved}, not a number: give a whole level (1..${catalog.maxLevel})`,
      { details: { level: resolved } },
    );
  }
  return resolved;
}
