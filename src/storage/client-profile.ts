import { describedValue } from "../errors/index.js";
import { profileFor, type ProtocolProfile } from "../versions/index.js";
import type { StorageClientOptions } from "./client-options.js";

/**
 * The release a client behaves as: `options.profile` when given (a release that keeps its
 * predecessor's protocol, or one of another release table), else the newest release of
 * `options.protocol` in the embedded table. A profile of another protocol is a programming error:
 * the client would speak one protocol on the wire and keep another's state.
 */
export function clientProfile(options: Pick<StorageClientOptions, "protocol" | "profile">): ProtocolProfile {
  const { profile } = options;
  if (profile === undefined) return profileFor(options.protocol);
  if (profile === null || typeof profile !== "object") {
    // A release's name ("0.3.0") was said to be "a profile of" another protocol.
    throw new RangeError(`options.profile must be a release's profile (profileForRelease("0.3.0"), or releaseProfile(row, table)), not ${describedValue(profile)}`);
  }
  if (profile.protocol !== options.protocol) {
    throw new RangeError(`options.profile (protocol ${String(profile.protocol)}) must be a profile of options.protocol (${String(options.protocol)})`);
  }
  return profile;
}
