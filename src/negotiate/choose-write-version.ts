import { releaseTable as defaultReleaseTable, type Release, type ReleaseTable } from "../versions/index.js";
import { AUDIENCE_LIMITS, type Audience } from "./audience.js";
import { checkedOptions } from "./checked-options.js";
import { describeOutsiders } from "./describe-outsiders.js";
import { NegotiationError } from "./negotiation-error.js";
import {
  FALLBACK_TEXT,
  GENERIC_FALLBACK_TEXT,
  PAYLOAD_FEATURE,
  firstReaderOf,
  type NegotiatedPayloadKind,
} from "./payload-kinds.js";
import { assertReleaseWrites } from "./release-writes.js";
import { assertVersionRange, isVersionRange, type VersionRange } from "./version-range.js";

export interface ChooseWriteVersionOptions {
  /**
   * What the envelope carries; sets `minReader` and `fallbackText` for that kind. When the whole
   * audience predates the kind (a FileReference to a protocol-1 peer), the version is raised to
   * the kind's first version and those members are counted as `unreached`. A kind the writer's
   * release (`release`, else the newest speaking `self.max`) does not write is E_PAYLOAD_NOT_WRITABLE.
   */
  payload?: NegotiatedPayloadKind;
  /**
   * `reject` (default): a member outside the writer's window, or an audience with no common
   * version, throws. `fallback`: write the version that reaches the most known members (then the
   * most unknown ones, then the highest), reach being the readers' rule (`unreached` below), unknown
   * members as readers of the assumed window; the others show `fallbackText`. Large communities use
   * it so that one stale member cannot stop everyone else's messages. Any other value is a RangeError.
   */
  outsiders?: "reject" | "fallback";
  /** The release table that says which protocol first reads each payload kind (default: the built-in one); not a ReleaseTable: TypeError. */
  table?: ReleaseTable;
  /**
   * The writer's own release row (`profile.release`), whose `writes` say which payload kinds it
   * writes. Default: the newest row speaking `self.max`, which is another row when a later release
   * keeps this one's protocol. Not a release row: TypeError; one of another protocol: RangeError.
   */
  release?: Release;
}

export interface WriteChoice {
  /** The envelope version to write. */
  readonly version: number;
  /**
   * Oldest protocol that interprets the envelope: `max(first version of the payload kind,
   * version - 1)`, the same rule src/wire applies by default (an N reader opens N+1 envelopes
   * through unknown fields). Readers below it show `fallbackText`.
   */
  readonly minReader: number;
  /** What a reader older than `minReader` shows (per payload kind). */
  readonly fallbackText: string;
  /** Members in the audience (readers other than the writer). */
  readonly members: number;
  /** Members whose range was unknown, assumed to run protocol `writer.max - 1` (never below the window). */
  readonly unknown: number;
  /**
   * Members expected to show `fallbackText` instead of the payload (unknown ones by the
   * assumption), by the readers' rule: a reader [min, max] opens an envelope when
   * `minReader <= max` and `version >= min`. 0 unless the payload kind or the `fallback` policy demands it.
   */
  readonly unreached: number;
  /** Why the version is not higher: the writer's own max, a known member, or the unknown-member assumption. */
  readonly limitedBy: "writer" | "member" | "unknown-members";
  /** The audience's version predates the payload kind, so the version was raised to the kind's first version. */
  readonly raisedForPayload: boolean;
}

/** The keys ChooseWriteVersionOptions has (the compiler holds the two together); any other is refused (checkedOptions). */
const WRITE_OPTIONS: readonly string[] = Object.freeze(
  Object.keys({ payload: true, outsiders: true, table: true, release: true } satisfies Record<keyof ChooseWriteVersionOptions, true>),
);

/** Windows wider than this are refused in `fallback` mode, which counts reach per version. */
const MAX_FALLBACK_WINDOW = 4096;

/**
 * The audience rule (DESIGN §2): the highest version in the writer's window that every known member
 * reads: preferably one inside every member's own window, else one a member opens by the readers'
 * rule (at most one version past its max). Unknown members are assumed to run protocol `self.max - 1` (reading its window
 * [self.max - 2, self.max - 1]), clipped so the assumption never reaches below `self.min`; known
 * members win over the assumption when the two conflict.
 *
 * One pass over the members, no allocation per member: a 10,000-member community is a hot path.
 */
export function chooseWriteVersion(
  self: VersionRange,
  audience: Audience,
  options: ChooseWriteVersionOptions = {},
): WriteChoice {
  options = checkedOptions("chooseWriteVersion", options, WRITE_OPTIONS);
  assertVersionRange(self, "the writer");
  const members = checkedMembers(audience);
  const payload = options.payload;
  if (payload !== undefined && !Object.hasOwn(PAYLOAD_FEATURE, payload)) {
    throw new NegotiationError("E_PAYLOAD_KIND_UNKNOWN", `payload kind "${String(payload)}" is unknown`, {
      details: { payload },
    });
  }
  const table = options.table ?? defaultReleaseTable;
  // Before the audience: what the writer's release writes does not depend on who reads it.
  assertReleaseWrites(self, payload, table, options.release);

  const assumedLo = Math.max(self.min, self.max - 2);
  const assumedHi = Math.max(self.min, self.max - 1);
  const n = members.length;
  let unknown = 0;
  let outsiders = 0;
  let lowestMax = Number.POSITIVE_INFINITY;
  let highestMin = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const m = members[i];
    if (m === undefined || m === null) {
      unknown++;
      continue;
    }
    // Refused under `fallback` too: that policy is for members outside the window, and a malformed
    // range is the app's bug, not a member's state (the reasoning is in docs/wire.md).
    if (!isVersionRange(m)) assertVersionRange(m, `${audience.kind} member #${i}`, i);
    if (m.max < self.min || m.min > self.max) {
      outsiders++;
      continue;
    }
    if (m.max < lowestMax) lowestMax = m.max;
    if (m.min > highestMin) highestMin = m.min;
  }

  const fallbackMode = options.outsiders === "fallback";
  if (outsiders > 0 && !fallbackMode) throw outsiderError(self, audience, outsiders);

  let version: number;
  let limitedBy: WriteChoice["limitedBy"];
  const upperKnown = Math.min(self.max, lowestMax);
  const lowerKnown = Math.max(self.min, highestMin);
  const since = payload === undefined ? 1 : firstReaderOf(payload, table);
  // No version inside every member's window: readers still open an envelope one version past their
  // max (src/wire's rule: unknown fields ignored), so one envelope reaches everyone when the oldest
  // member reads the payload kind at all.
  const oneAhead = Math.min(self.max, lowestMax + 1);
  if (outsiders > 0) {
    // Only in fallback mode (reject threw above): members outside the window may still open the
    // envelope by the readers' rule, so count reach over everyone.
    version = mostReached(self, members, unknown, assumedLo, assumedHi, since);
    limitedBy = version === self.max ? "writer" : "member";
  } else if (upperKnown >= lowerKnown) {
    // Every known member inside the window reads [lowerKnown, upperKnown].
    const withUnknown = unknown > 0 && assumedLo <= upperKnown && assumedHi >= lowerKnown;
    version = withUnknown ? Math.min(upperKnown, assumedHi) : upperKnown;
    limitedBy = version === self.max ? "writer" : version === upperKnown && version === lowestMax ? "member" : "unknown-members";
  } else if (oneAhead >= lowerKnown && since <= lowestMax) {
    version = oneAhead;
    limitedBy = version === self.max ? "writer" : "member";
  } else if (fallbackMode) {
    version = mostReached(self, members, unknown, assumedLo, assumedHi, since);
    limitedBy = version === self.max ? "writer" : "member";
  } else {
    throw noCommonVersionError(self, audience, lowerKnown, upperKnown);
  }

  // A kind newer than the audience: write it at its first version; the older members get the fallback.
  const raisedForPayload = version < since;
  if (raisedForPayload) {
    if (since > self.max) {
      throw new NegotiationError(
        "E_PAYLOAD_NOT_WRITABLE",
        `a ${String(payload)} needs protocol ${since} or newer; this client writes at most ${self.max}`,
        { details: { payload, since, writer: { min: self.min, max: self.max } } },
      );
    }
    version = since;
  }
  const minReader = Math.max(since, version - 1);
  const unreached =
    (fallbackMode || raisedForPayload ? countUnreachedKnown(members, version, minReader) : 0) +
    (unknown > 0 && !(minReader <= assumedHi && version >= assumedLo) ? unknown : 0);

  return {
    version,
    minReader,
    fallbackText: payload === undefined ? GENERIC_FALLBACK_TEXT : FALLBACK_TEXT[payload],
    members: n,
    unknown,
    unreached,
    limitedBy,
    raisedForPayload,
  };
}

function checkedMembers(audience: Audience): Audience["members"] {
  if (audience === null || typeof audience !== "object" || !Object.hasOwn(AUDIENCE_LIMITS, audience.kind)) {
    const kind = audience === null || typeof audience !== "object" ? String(audience) : String(audience.kind);
    throw new NegotiationError("E_AUDIENCE_INVALID", `audience kind "${kind}" is not one of peer, group, community`, {
      details: { kind },
    });
  }
  const { kind, members } = audience;
  if (!Array.isArray(members)) {
    throw new NegotiationError("E_AUDIENCE_INVALID", `${kind} audience has no members array`, { details: { kind } });
  }
  const limit = AUDIENCE_LIMITS[kind];
  if (kind === "peer" && members.length !== 1) {
    throw new NegotiationError("E_AUDIENCE_INVALID", `a 1:1 peer audience has exactly one member, got ${members.length}`, {
      details: { kind, members: members.length },
    });
  }
  if (members.length > limit) {
    throw new NegotiationError(
      "E_AUDIENCE_TOO_LARGE",
      `${kind} audience has ${members.length} members; a ${kind} holds at most ${limit}`,
      { details: { kind, members: members.length, limit } },
    );
  }
  return members;
}

/**
 * Fallback policy with no common version: the version most known members open (readers' rule: from
 * their min up to one past their max, if they read the payload kind at all), then most unknown
 * ones (by the same rule, as readers of the assumed window), then the highest.
 */
function mostReached(
  self: VersionRange,
  members: Audience["members"],
  unknown: number,
  assumedLo: number,
  assumedHi: number,
  since: number,
): number {
  const width = self.max - self.min + 1;
  if (width > MAX_FALLBACK_WINDOW) {
    throw new NegotiationError(
      "E_RANGE_INVALID",
      `the writer's window [${self.min}, ${self.max}] spans more than ${MAX_FALLBACK_WINDOW} versions`,
      { details: { what: "the writer" } },
    );
  }
  // Difference array over the window: +1 where a member's openable span starts, -1 after it ends.
  const diff = new Int32Array(width + 1);
  for (let i = 0; i < members.length; i++) {
    const m = members[i];
    if (m === undefined || m === null || m.max < since) continue;
    const start = Math.max(m.min, self.min);
    const end = Math.min(m.max + 1, self.max);
    if (start > end) continue;
    diff[start - self.min]! += 1;
    diff[end - self.min + 1]! -= 1;
  }
  // Unknown members are reached by the same readers' rule as known ones, as the assumed reader
  // [assumedLo, assumedHi]: up to one version past assumedHi, if it reads the kind at all. Counting
  // them only inside that window picked a lower version where the next one reached the same members
  // (a 0.2.0 writer, an unknown member and a too-new one: version 1, though 2 reaches the unknown
  // one as well), against the tie-break (the highest) and against `unreached`, which counts them so.
  const unknownFrom = assumedLo;
  const unknownTo = since <= assumedHi ? assumedHi + 1 : assumedLo - 1;
  let best = self.min;
  let bestKnown = -1;
  let bestUnknown = -1;
  let running = 0;
  for (let offset = 0; offset < width; offset++) {
    running += diff[offset]!;
    const v = self.min + offset;
    const unknownReach = v >= unknownFrom && v <= unknownTo ? unknown : 0;
    // >= so that ties go to the higher version.
    if (running > bestKnown || (running === bestKnown && unknownReach >= bestUnknown)) {
      best = v;
      bestKnown = running;
      bestUnknown = unknownReach;
    }
  }
  return best;
}

/** Known members that will not open a (version, minReader) envelope: the readers' rule, as src/wire applies it. */
function countUnreachedKnown(members: Audience["members"], version: number, minReader: number): number {
  let unreached = 0;
  for (let i = 0; i < members.length; i++) {
    const m = members[i];
    if (m === undefined || m === null) continue;
    if (minReader > m.max || version < m.min) unreached++;
  }
  return unreached;
}

function outsiderError(self: VersionRange, audience: Audience, outsiders: number): NegotiationError {
  const d = describeOutsiders(self, audience.members);
  const who = `${audience.kind} member${audience.members.length === 1 ? "" : "s"}`;
  const parts: string[] = [];
  if (d.tooOld > 0) {
    parts.push(
      `${d.tooOld} of ${audience.members.length} ${who} read at most protocol ${d.tooOldVersions.join("/")}, ` +
        `below ${self.min}, the oldest this client writes; they must update Status`,
    );
  }
  if (d.tooNew > 0) {
    parts.push(
      `${d.tooNew} of ${audience.members.length} ${who} read only protocol ${d.tooNewVersions.join("/")} or newer, ` +
        `above ${self.max}, the newest this client writes; update this client`,
    );
  }
  return new NegotiationError(d.tooOld > 0 ? "E_PEER_TOO_OLD" : "E_PEER_TOO_NEW", parts.join("; "), {
    details: {
      kind: audience.kind,
      members: audience.members.length,
      outsiders,
      writer: { min: self.min, max: self.max },
      tooOld: d.tooOld,
      tooOldVersions: d.tooOldVersions,
      tooNew: d.tooNew,
      tooNewVersions: d.tooNewVersions,
    },
  });
}

function noCommonVersionError(self: VersionRange, audience: Audience, lowerKnown: number, upperKnown: number): NegotiationError {
  return new NegotiationError(
    "E_NO_COMMON_VERSION",
    `no single version reaches every ${audience.kind} member: some read at most protocol ${upperKnown}, ` +
      `others at least ${lowerKnown} (this client writes ${self.min}..${self.max}); ` +
      `send one envelope per version, or use the fallback policy`,
    {
      details: {
        kind: audience.kind,
        members: audience.members.length,
        writer: { min: self.min, max: self.max },
        lowestMax: upperKnown,
        highestMin: lowerKnown,
      },
    },
  );
}
