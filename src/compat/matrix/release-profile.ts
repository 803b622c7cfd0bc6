import { profileFor, type Feature, type ProtocolProfile, type Release, type ReleaseTable } from "../../versions/index.js";

/**
 * The profile of `release` itself: its protocol's window, and its own features and state level.
 * profileFor(protocol) is the newest release speaking that protocol, and a release may keep its
 * predecessor's protocol (adding a release is adding a row): the rows of the older one then
 * checked the newer one's features and state level, and reported a switch to a release not in the
 * pair.
 */
export function releaseProfile(release: Release, table: ReleaseTable): ProtocolProfile {
  return Object.freeze({
    protocol: release.protocol,
    release,
    window: profileFor(release.protocol, table).window,
    stateLevel: release.stateLevel,
    writes: (f: Feature) => release.writes.includes(f),
    reads: (f: Feature) => release.reads.includes(f),
  });
}
