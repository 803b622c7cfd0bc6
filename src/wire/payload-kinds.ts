import type { PayloadKind } from "./messages.js";
import type { MessageName, VersionSchema } from "./schema-registry.js";
import { WireError } from "./wire-error.js";

interface KindInfo {
  /** The PayloadType enum value name in the .proto files. */
  readonly enumName: string;
  readonly message: MessageName;
  /** The protocol version that introduced the kind. */
  readonly since: number;
}

const KINDS: Readonly<Record<PayloadKind, KindInfo>> = Object.freeze({
  "community-description": { enumName: "PAYLOAD_TYPE_COMMUNITY_DESCRIPTION", message: "SignedCommunityDescription", since: 1 },
  segment: { enumName: "PAYLOAD_TYPE_SEGMENT", message: "Segment", since: 1 },
  "inline-attachment": { enumName: "PAYLOAD_TYPE_INLINE_ATTACHMENT", message: "InlineAttachment", since: 1 },
  "file-reference": { enumName: "PAYLOAD_TYPE_FILE_REFERENCE", message: "FileReference", since: 2 },
  "cd-pointer": { enumName: "PAYLOAD_TYPE_COMMUNITY_DESCRIPTION_POINTER", message: "CommunityDescriptionPointer", since: 2 },
});

export const PAYLOAD_KINDS: readonly PayloadKind[] = Object.freeze(Object.keys(KINDS) as PayloadKind[]);

export function isPayloadKind(value: unknown): value is PayloadKind {
  return typeof value === "string" && Object.hasOwn(KINDS, value);
}

/** The protocol version that introduced `kind`. */
export function introducedIn(kind: PayloadKind): number {
  // Public: a caller's unknown kind gets the wire's error, not a TypeError (or undefined for "toString").
  if (!isPayloadKind(kind)) {
    throw new WireError("E_WIRE_UNKNOWN_TYPE", `"${String(kind)}" is not a payload kind`, { details: { kind } });
  }
  return KINDS[kind].since;
}

export function messageOf(kind: PayloadKind): MessageName {
  return KINDS[kind].message;
}

/**
 * The oldest protocol version that reads a version-`version` message of `kind`: the version that
 * introduced the kind, and never more than one version back (the N / N+1 window).
 */
export function minReaderFor(kind: PayloadKind, version: number): number {
  if (!isPayloadKind(kind)) {
    throw new WireError("E_WIRE_UNKNOWN_TYPE", `"${String(kind)}" is not a payload kind`, { details: { kind } });
  }
  const since = KINDS[kind].since;
  if (!Number.isInteger(version) || version < since) {
    throw new WireError("E_WIRE_UNKNOWN_TYPE", `protocol ${version} has no ${kind} payload (introduced in ${since})`, {
      details: { kind, version, since },
    });
  }
  return Math.max(since, version - 1);
}

/** The envelope `type` number of `kind` in `schema`, or undefined when that version lacks it. */
export function payloadTypeNumber(kind: PayloadKind, schema: VersionSchema): number | undefined {
  return schema.enumValue("PayloadType", KINDS[kind].enumName);
}

const byNumber = new WeakMap<VersionSchema, ReadonlyMap<number, PayloadKind>>();

/** The kind of envelope `type` number `value` in `schema`, or undefined when that version does not know it. */
export function kindOfTypeNumber(value: number, schema: VersionSchema): PayloadKind | undefined {
  let map = byNumber.get(schema);
  if (map === undefined) {
    const entries: Array<[number, PayloadKind]> = [];
    for (const kind of PAYLOAD_KINDS) {
      const n = payloadTypeNumber(kind, schema);
      if (n !== undefined) entries.push([n, kind]);
    }
    map = new Map(entries);
    byNumber.set(schema, map);
  }
  return map.get(value);
}
