import type { Feature } from "./features.js";
import { releaseTable, type Release, type ReleaseTable } from "./release-table.js";

/**
 * How a client built for one protocol version behaves: which versions it reads (its window) and
 * which features it writes and reads. A client constructed with `protocol: 2` behaves exactly as
 * release 0.2.0 on the wire and in its state.
 */
export interface ProtocolProfile {
  readonly protocol: number;
  readonly release: Release;
  /** Versions this profile reads and can write: [protocol-1, protocol], clipped to the table. */
  readonly window: { readonly min: number; readonly max: number };
  readonly stateLevel: number;
  writes(feature: Feature): boolean;
  reads(feature: Feature): boolean;
}

/** The profile of the newest release speaking `protocol` (what a client built for it behaves as). */
export function profileFor(protocol: number, table: ReleaseTable = releaseTable): ProtocolProfile {
  return releaseProfile(table.forProtocol(protocol), table);
}

/**
 * The profile of `release` itself: its protocol's window, and its own features and state level. A
 * release may keep its predecessor's protocol (adding a release is adding a row), so profileFor
 * (the newest release of a protocol) is not this for the older one; the compatibility matrix checks
 * each row as its own release.
 */
export function releaseProfile(release: Release, table: ReleaseTable = releaseTable): ProtocolProfile {
  const { protocol } = release;
  const { min } = table.protocolRange();
  const window = Object.freeze({ min: Math.max(min, protocol - 1), max: protocol });
  return Object.freeze({
    protocol,
    release,
    window,
    stateLevel: release.stateLevel,
    writes: (f: Feature) => release.writes.includes(f),
    reads: (f: Feature) => release.reads.includes(f),
  });
}

/**
 * The profile of the release a version string names (patches resolve to their major.minor row):
 * that release's own, not the newest release of its protocol, which is another row when a later
 * release keeps the protocol (profileFor(protocol) is that one).
 */
export function profileForRelease(release: string, table: ReleaseTable = releaseTable): ProtocolProfile {
  return releaseProfile(table.resolve(release), table);
}

/** The protocol version of the newest row: what this build writes by default. */
export const CURRENT_PROTOCOL: number = releaseTable.newest.protocol;
