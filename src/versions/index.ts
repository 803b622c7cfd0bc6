export { ReleaseTable, releaseTable } from "./release-table.js";
export type { Release } from "./release-table.js";
export { profileFor, profileForRelease, releaseProfile, CURRENT_PROTOCOL } from "./profile.js";
export type { ProtocolProfile } from "./profile.js";
export { FEATURES } from "./features.js";
export type { Feature } from "./features.js";
export { VersionError } from "./version-error.js";
export type { VersionErrorCode } from "./version-error.js";
