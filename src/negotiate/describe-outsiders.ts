import type { Audience } from "./audience.js";
import type { VersionRange } from "./version-range.js";

/** At most this many distinct versions are named in an error; the counts stay exact. */
const MAX_VERSIONS_NAMED = 8;

export interface OutsiderSummary {
  tooOld: number;
  /** Distinct `max` of too-old members, ascending (at most 8). */
  tooOldVersions: number[];
  tooNew: number;
  /** Distinct `min` of too-new members, ascending (at most 8). */
  tooNewVersions: number[];
}

/** The error path's second pass: who is outside the window and at which versions. Allocation is fine here. */
export function describeOutsiders(self: VersionRange, members: Audience["members"]): OutsiderSummary {
  const oldVersions = new Set<number>();
  const newVersions = new Set<number>();
  let tooOld = 0;
  let tooNew = 0;
  for (const m of members) {
    if (m === undefined || m === null) continue;
    if (m.max < self.min) {
      tooOld++;
      oldVersions.add(m.max);
    } else if (m.min > self.max) {
      tooNew++;
      newVersions.add(m.min);
    }
  }
  const named = (s: Set<number>): number[] => [...s].sort((a, b) => a - b).slice(0, MAX_VERSIONS_NAMED);
  return { tooOld, tooOldVersions: named(oldVersions), tooNew, tooNewVersions: named(newVersions) };
}
