import { describedValue } from "../errors/index.js";
import type { Release, ReleaseTable } from "../versions/index.js";
import { NegotiationError } from "./negotiation-error.js";
import { PAYLOAD_FEATURE, firstReaderOf, type NegotiatedPayloadKind } from "./payload-kinds.js";
import type { VersionRange } from "./version-range.js";

/**
 * Refuses a payload kind the writer's release does not write (its row's `writes`), which the
 * version rule alone answered: release 0.3.0 ("description pointers only") was given a version for a
 * whole community-description, and the next release, which need read only what 0.3.0 writes (the
 * table's rule), may drop it. The writer is the caller's `release` option (its own row), else the
 * release `profileFor(self.max)` names (the newest row of its protocol, as a client built for that
 * protocol behaves); a window whose max no row speaks is then not checked. A kind newer than the
 * writer's protocol keeps its own refusal (`since`).
 */
export function assertReleaseWrites(self: VersionRange, payload: NegotiatedPayloadKind | undefined, table: ReleaseTable, given: Release | undefined): void {
  const own = given === undefined ? undefined : checkedRelease(given, self);
  if (payload === undefined) return;
  const release = own ?? newestRowOf(self.max, table);
  const feature = PAYLOAD_FEATURE[payload];
  if (release === undefined || release.writes.includes(feature) || firstReaderOf(payload, table) > self.max) return;
  const written = (Object.keys(PAYLOAD_FEATURE) as NegotiatedPayloadKind[]).filter((k) => release.writes.includes(PAYLOAD_FEATURE[k]));
  throw new NegotiationError(
    "E_PAYLOAD_NOT_WRITABLE",
    `release ${release.release} (protocol ${release.protocol}) does not write ${payload} payloads (its release-table row writes no ${feature}, ` +
      `so the next release need not read them); it writes ${written.join(", ")}`,
    { details: { payload, feature, release: release.release, writer: { min: self.min, max: self.max } } },
  );
}

function newestRowOf(protocol: number, table: ReleaseTable): Release | undefined {
  const rows = table.rows.filter((r) => r.protocol === protocol);
  return rows[rows.length - 1];
}

/** The `release` option: a row (an app's settings file passes anything), speaking the window's max. */
function checkedRelease(release: unknown, self: VersionRange): Release {
  const row = release as Partial<Release> | null;
  if (row === null || typeof row !== "object" || typeof row.release !== "string" || typeof row.protocol !== "number" || !Array.isArray(row.writes)) {
    throw new TypeError(`chooseWriteVersion option release must be a release-table row (profile.release), or left out; not ${describedValue(release)}`);
  }
  if (row.protocol !== self.max) {
    throw new RangeError(
      `chooseWriteVersion option release ${row.release} speaks protocol ${row.protocol}, but the writer's window is [${self.min}, ${self.max}]: ` +
        "pass the release whose protocol is the window's max (profile.release with profile.window)",
    );
  }
  return row as Release;
}
