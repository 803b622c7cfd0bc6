/**
 * The wire's N / N+1 properties (compat.property, relay-chain.property) run over the pairs
 * adjacentProtocolPairs reads from the release table. These cases hold that list to the table: a
 * release with a new protocol adds its pair, one that keeps its predecessor's protocol adds none,
 * and no adjacent protocol pair is left out or run twice.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReleaseTable, releaseTable, type Release } from "../../src/versions/index.js";
import { adjacentProtocolPairs, tableProtocols } from "../support/release-pairs.js";

/** The embedded table's rows, copied, plus `extra`. */
function withRow(extra: Partial<Release> & { release: string; protocol: number }): ReleaseTable {
  const rows = releaseTable.rows.map((r) => ({ ...r, writes: [...r.writes], reads: [...r.reads] }));
  const last = rows[rows.length - 1]!;
  return new ReleaseTable({ releases: [...rows, { ...last, summary: "added by a test", ...extra }] });
}

describe("the N / N+1 pairs of the wire properties", () => {
  it("are the protocols of the embedded table's adjacent releases", () => {
    const pairs = adjacentProtocolPairs();
    for (const [a, b] of releaseTable.adjacentPairs()) {
      if (a.protocol !== b.protocol) expect(pairs).toContainEqual({ older: a.protocol, newer: b.protocol });
    }
    expect(pairs.every(({ older, newer }) => releaseTable.adjacentPairs().some(([a, b]) => a.protocol === older && b.protocol === newer))).toBe(true);
    expect(new Set(pairs.map((p) => `${p.older}>${p.newer}`)).size).toBe(pairs.length);
    expect(tableProtocols()).toEqual([...new Set(releaseTable.rows.map((r) => r.protocol))]);
  });

  it("gain the pair of a release added to a copy of the table with the next protocol, and its version", () => {
    const newest = releaseTable.newest.protocol;
    const table = withRow({ release: "9.0.0", protocol: newest + 1 });
    expect(adjacentProtocolPairs(table)).toEqual([...adjacentProtocolPairs(), { older: newest, newer: newest + 1 }]);
    expect(tableProtocols(table)).toEqual([...tableProtocols(), newest + 1]);
  });

  it("gain no pair for a release that keeps its predecessor's protocol (the wire is the same on both sides)", () => {
    const table = withRow({ release: "9.0.0", protocol: releaseTable.newest.protocol });
    expect(adjacentProtocolPairs(table)).toEqual(adjacentProtocolPairs());
    expect(tableProtocols(table)).toEqual(tableProtocols());
  });

  it("hold every protocol N of any valid table with N+1 exactly once, whatever rows keep their protocol", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 25 }), (first, steps) => {
        let protocol = first;
        const releases = [first, ...steps.map((step) => (protocol += step ? 1 : 0))].map((p, i) => ({
          release: `${i}.0.0`,
          protocol: p,
          stateLevel: 1 + i,
          summary: `protocol ${p}`,
          writes: ["inline-attachment"],
          reads: ["inline-attachment"],
        }));
        const table = new ReleaseTable({ releases });
        const expected = Array.from({ length: protocol - first }, (_, i) => ({ older: first + i, newer: first + i + 1 }));
        expect(adjacentProtocolPairs(table)).toEqual(expected);
        expect(tableProtocols(table)).toEqual(Array.from({ length: protocol - first + 1 }, (_, i) => first + i));
      }),
      { numRuns: 300 },
    );
  });
});
