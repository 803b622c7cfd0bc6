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
      `state level ${String(resolved)} is not one this build knows (1..${catalog.maxLevel})`,
      { details: { level: resolved } },
    );
  }
  return resolved;
}
