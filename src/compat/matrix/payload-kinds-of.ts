import { PAYLOAD_FEATURE, type NegotiatedPayloadKind } from "../../negotiate/index.js";
import type { ProtocolProfile } from "../../versions/index.js";

const KINDS = Object.keys(PAYLOAD_FEATURE) as NegotiatedPayloadKind[];

/** Payload kinds a profile writes (by the release table's features). */
export function kindsWritten(profile: ProtocolProfile): NegotiatedPayloadKind[] {
  return KINDS.filter((k) => profile.writes(PAYLOAD_FEATURE[k]));
}

/** Whether a profile interprets a payload kind at all. */
export function readsKind(profile: ProtocolProfile, kind: NegotiatedPayloadKind): boolean {
  return profile.reads(PAYLOAD_FEATURE[kind]);
}
