/**
 * The single-pass read path: bytes straight to validated views, for readers that do not forward
 * (openEnvelope, decodePayload). Forwarding keeps protobufjs's reflection path, which keeps unknown
 * fields. Every function here returns undefined rather than throw: for input it does not accept
 * (malformed, invalid, unreadable, or merely unusual), the caller runs the reflection path, which
 * decides and names the error. The equivalence tests (property and fuzz) hold an accepted input to
 * the very view the reflection path builds.
 */
export { readEnvelope } from "./envelope.js";
export { readPayload } from "./payload.js";
export { READ_FIELDS } from "./fields.js";
