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

/**
 * Whether the project promises that `reader` opens a `kind` envelope written at `version`: it
 * interprets the kind (the release table says so) and the version is one it reads or one past it
 * (docs/wire.md: min_reader is max(introduced, version - 1), so an N reader opens N+1 envelopes of
 * every kind it knows). Worked out here from the table and the documented rule, never from
 * src/wire's minReaderFor or the writer's min_reader: an expectation taken from the code under
 * test let a matrix pass whose newer release marked its envelopes unreadable by the older one
 * (each such envelope counted as "showed the fallback text").
 */
export function promisedToOpen(reader: ProtocolProfile, kind: NegotiatedPayloadKind, version: number): boolean {
  return readsKind(reader, kind) && version >= reader.window.min && version <= reader.window.max + 1;
}
