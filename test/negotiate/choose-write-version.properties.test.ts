import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  chooseWriteVersion,
  NegotiationError,
  type Audience,
  type AudienceKind,
  type VersionRange,
  type WriteChoice,
} from "../../src/negotiate/index.js";
import { ReleaseTable, profileFor } from "../../src/versions/index.js";

const rangeIn = (lo: number, hi: number): fc.Arbitrary<VersionRange> =>
  fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi })).map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) }));

const writerRange = rangeIn(1, 10);
const member = fc.option(rangeIn(1, 12), { nil: undefined, freq: 4 });
const audience: fc.Arbitrary<Audience> = fc.oneof(
  member.map((m) => ({ kind: "peer" as AudienceKind, members: [m] })),
  fc.array(member, { maxLength: 20 }).map((members) => ({ kind: "group" as AudienceKind, members })),
  fc.array(member, { maxLength: 60 }).map((members) => ({ kind: "community" as AudienceKind, members })),
);

/** The rule of DESIGN §2 by brute force over every version of the writer's window. */
function oracle(self: VersionRange, a: Audience): { version: number } | { code: string } {
  const known = a.members.filter((m): m is VersionRange => m !== undefined && m !== null);
  const unknown = a.members.length - known.length;
  if (known.some((m) => m.max < self.min)) return { code: "E_PEER_TOO_OLD" };
  if (known.some((m) => m.min > self.max)) return { code: "E_PEER_TOO_NEW" };
  const assumed = { min: Math.max(self.min, self.max - 2), max: Math.max(self.min, self.max - 1) };
  const allKnownRead = (v: number): boolean => known.every((m) => m.min <= v && v <= m.max);
  let fallback: number | undefined;
  for (let v = self.max; v >= self.min; v--) {
    if (!allKnownRead(v)) continue;
    if (unknown === 0 || (assumed.min <= v && v <= assumed.max)) return { version: v };
    fallback ??= v;
  }
  if (fallback !== undefined) return { version: fallback };
  // No version inside every window: a reader opens one version past its max (the wire's rule).
  const lowestMax = Math.min(...known.map((m) => m.max));
  const oneAhead = Math.min(self.max, lowestMax + 1);
  if (known.every((m) => m.min <= oneAhead) && oneAhead >= self.min) return { version: oneAhead };
  return { code: "E_NO_COMMON_VERSION" };
}

function attempt(fn: () => WriteChoice): WriteChoice | NegotiationError {
  try {
    return fn();
  } catch (error) {
    if (error instanceof NegotiationError) return error;
    throw error;
  }
}

/** Members that will not open a (version, minReader) envelope, by the readers' rule (src/wire's openEnvelope). */
function unreachedOracle(self: VersionRange, a: Audience, choice: WriteChoice): number {
  const opens = (m: VersionRange): boolean => choice.minReader <= m.max && choice.version >= m.min;
  const assumed = { min: Math.max(self.min, self.max - 2), max: Math.max(self.min, self.max - 1) };
  return a.members.filter((m) => (m === undefined || m === null ? !opens(assumed) : !opens(m))).length;
}

/** A release table of `rows` consecutive protocols starting at `first`. */
function tableOf(first: number, rows: number): ReleaseTable {
  return new ReleaseTable({
    releases: Array.from({ length: rows }, (_, i) => ({
      release: `${i}.0.0`,
      protocol: first + i,
      stateLevel: 1 + i,
      summary: `protocol ${first + i}`,
      writes: ["inline-attachment"],
      reads: ["inline-attachment"],
    })),
  });
}

describe("negotiation properties", () => {
  it("picks a version inside the writer's window that every known member opens (inside its own window when one exists), or names the right reason", () => {
    fc.assert(
      fc.property(writerRange, audience, (self, a) => {
        const result = attempt(() => chooseWriteVersion(self, a));
        const expected = oracle(self, a);
        if (result instanceof NegotiationError) {
          expect(expected).toEqual({ code: result.code });
          return;
        }
        expect(result.version).toBeGreaterThanOrEqual(self.min);
        expect(result.version).toBeLessThanOrEqual(self.max);
        expect(expected).toEqual({ version: result.version });
        expect(result.minReader).toBe(Math.max(1, result.version - 1));
        expect(result.unreached).toBe(unreachedOracle(self, a, result));
        for (const m of a.members) if (m) expect(result.minReader <= m.max && result.version >= m.min).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("with the fallback policy, agrees with the strict rule whenever that succeeds, otherwise reaches the most known members by the readers' rule, then the most unknown ones by the same rule, then the highest version, and counts who cannot open it", () => {
    fc.assert(
      fc.property(writerRange, audience, (self, a) => {
        const strict = attempt(() => chooseWriteVersion(self, a));
        const loose = chooseWriteVersion(self, a, { outsiders: "fallback" });
        expect(loose.version).toBeGreaterThanOrEqual(self.min);
        expect(loose.version).toBeLessThanOrEqual(self.max);
        if (!(strict instanceof NegotiationError)) {
          expect(loose.version).toBe(strict.version);
          return;
        }
        const known = a.members.filter((m): m is VersionRange => m !== undefined);
        const unknown = a.members.length - known.length;
        const assumed = { min: Math.max(self.min, self.max - 2), max: Math.max(self.min, self.max - 1) };
        // Members that open version v by the readers' rule (no payload kind: minReader = v - 1),
        // unknown ones as readers of the assumed window.
        const opens = (m: VersionRange, v: number): boolean => m.min <= v && Math.max(1, v - 1) <= m.max;
        const reach = (v: number): number => known.filter((m) => opens(m, v)).length;
        for (let v = self.min; v <= self.max; v++) expect(reach(v)).toBeLessThanOrEqual(reach(loose.version));
        // The documented order: most known members, then most unknown ones, then the highest version.
        let best = self.min;
        for (let v = self.min; v <= self.max; v++) {
          const better = reach(v) - reach(best) || (opens(assumed, v) ? unknown : 0) - (opens(assumed, best) ? unknown : 0);
          if (better >= 0) best = v;
        }
        expect(loose.version).toBe(best);
        expect(loose.unreached).toBe(unreachedOracle(self, a, loose));
      }),
      { numRuns: 2000 },
    );
  });

  it("any two adjacent profiles N and N+1 talk both ways, alone or in a group with unknown members", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 2, max: 30 }),
        fc.nat(),
        fc.nat({ max: 5 }),
        (first, rows, pick, unknowns) => {
          const table = tableOf(first, rows);
          const n = first + (pick % (rows - 1));
          const older = profileFor(n, table).window;
          const newer = profileFor(n + 1, table).window;
          const down = chooseWriteVersion(newer, { kind: "peer", members: [older] });
          const up = chooseWriteVersion(older, { kind: "peer", members: [newer] });
          for (const choice of [down, up]) {
            expect(older.min <= choice.version && choice.version <= older.max).toBe(true);
            expect(newer.min <= choice.version && choice.version <= newer.max).toBe(true);
          }
          const mixed = [older, newer, ...Array.from({ length: unknowns }, () => undefined)];
          for (const writer of [older, newer]) {
            const choice = chooseWriteVersion(writer, { kind: "group", members: mixed });
            expect(older.min <= choice.version && choice.version <= older.max).toBe(true);
            expect(newer.min <= choice.version && choice.version <= newer.max).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("profiles N and N+2 never share a version: the newer gets E_PEER_TOO_OLD, the older E_PEER_TOO_NEW", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 3, max: 30 }), fc.nat(), (first, rows, pick) => {
        const table = tableOf(first, rows);
        const n = first + (pick % (rows - 2));
        const older = profileFor(n, table).window;
        const newer = profileFor(n + 2, table).window;
        const tooOld = attempt(() => chooseWriteVersion(newer, { kind: "peer", members: [older] }));
        const tooNew = attempt(() => chooseWriteVersion(older, { kind: "peer", members: [newer] }));
        expect(tooOld).toBeInstanceOf(NegotiationError);
        expect((tooOld as NegotiationError).code).toBe("E_PEER_TOO_OLD");
        expect((tooNew as NegotiationError).code).toBe("E_PEER_TOO_NEW");
        expect((tooOld as NegotiationError).details).toMatchObject({ tooOld: 1, tooOldVersions: [older.max] });
      }),
      { numRuns: 500 },
    );
  });
});
