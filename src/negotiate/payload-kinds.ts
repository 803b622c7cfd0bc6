import type { Feature, ReleaseTable } from "../versions/index.js";
import { checkTable } from "./checked-options.js";
import { NegotiationError } from "./negotiation-error.js";

/**
 * What an envelope carries, named as src/wire names it (`PayloadKind` in src/wire/messages.ts;
 * a test keeps the two identical). Declared here so negotiation does not depend on the codec.
 */
export type NegotiatedPayloadKind =
  | "community-description"
  | "segment"
  | "inline-attachment"
  | "file-reference"
  | "cd-pointer";

/** The release-table feature a reader needs to interpret each payload kind. */
export const PAYLOAD_FEATURE: Readonly<Record<NegotiatedPayloadKind, Feature>> = Object.freeze({
  "community-description": "cd-whole-waku",
  segment: "cd-whole-waku",
  "inline-attachment": "inline-attachment",
  "file-reference": "file-reference",
  "cd-pointer": "cd-pointer",
});

/**
 * What a reader older than the envelope's `min_reader` shows instead of the payload. Short, one
 * action, no detail a stranger could learn anything from.
 */
export const FALLBACK_TEXT: Readonly<Record<NegotiatedPayloadKind, string>> = Object.freeze({
  "community-description": "Update Status to see this community's latest information.",
  segment: "Update Status to see this community's latest information.",
  "inline-attachment": "Update Status to open this attachment.",
  "file-reference": "Update Status to open this file.",
  "cd-pointer": "Update Status to see this community's latest information.",
});

/**
 * Shown when the writer did not say what the payload is.
 *
 * @deprecated The same text as `DEFAULT_FALLBACK_TEXT` (the wire's, what a reader shows for an
 * envelope without a fallback text); use that. Kept exported because an app built against the
 * previous release imports this name (docs/wire.md). Negotiation cannot import the wire's constant
 * (sibling layers), so test/negotiate/fallback-text-alias.test.ts holds the two equal.
 */
export const GENERIC_FALLBACK_TEXT = "Update Status to open this message.";

const firstReaderCache = new WeakMap<ReleaseTable, Map<NegotiatedPayloadKind, number>>();

/**
 * The oldest protocol that interprets `kind` (the first table row reading its feature), cached per
 * table so the hot path does no table walk. A kind no row reads needs a protocol newer than all.
 */
export function firstReaderOf(kind: NegotiatedPayloadKind, table: ReleaseTable): number {
  // Public: an unknown kind ("video", "toString") was answered "newer than every row" and cached
  // under that table, one entry per distinct string; a table's JSON failed inside with a TypeError.
  if (!Object.hasOwn(PAYLOAD_FEATURE, kind)) {
    throw new NegotiationError("E_PAYLOAD_KIND_UNKNOWN", `payload kind "${String(kind)}" is unknown`, { details: { payload: kind } });
  }
  checkTable("firstReaderOf", table, "table");
  let perKind = firstReaderCache.get(table);
  if (perKind === undefined) {
    perKind = new Map();
    firstReaderCache.set(table, perKind);
  }
  let first = perKind.get(kind);
  if (first === undefined) {
    const feature = PAYLOAD_FEATURE[kind];
    const row = table.rows.find((r) => r.reads.includes(feature));
    first = row === undefined ? table.newest.protocol + 1 : row.protocol;
    perKind.set(kind, first);
  }
  return first;
}
