import type { VersionRange } from "./version-range.js";

export type AudienceKind = "peer" | "group" | "community";

/** Members (readers other than the writer) an audience of each kind may hold. */
export const AUDIENCE_LIMITS: Readonly<Record<AudienceKind, number>> = Object.freeze({
  peer: 1,
  group: 20,
  community: 10_000,
});

/**
 * Who will read what the writer sends: the readers other than the writer, each with the range it
 * advertised (its envelopes' `sender` capabilities), or `undefined`/`null` when it never told us.
 * A plain array so a 10,000-member community costs one pass and no per-member objects.
 */
export interface Audience {
  readonly kind: AudienceKind;
  readonly members: ReadonlyArray<VersionRange | null | undefined>;
}

/** `null` or `undefined`: a peer that never told its range (an unknown member, as in a group). */
export function peerAudience(peer: VersionRange | null | undefined): Audience {
  return { kind: "peer", members: [peer] };
}

export function groupAudience(members: ReadonlyArray<VersionRange | null | undefined>): Audience {
  return { kind: "group", members };
}

export function communityAudience(members: ReadonlyArray<VersionRange | null | undefined>): Audience {
  return { kind: "community", members };
}
