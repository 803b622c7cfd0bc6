import { describe, expect, it } from "vitest";
import { ReleaseTable, releaseTable, profileFor, profileForRelease, VersionError } from "../../src/versions/index.js";
import defaultJson from "../../src/versions/releases.json" with { type: "json" };

function tableWith(mutate: (rows: Array<Record<string, unknown>>) => void): unknown {
  const copy = structuredClone(defaultJson) as { releases: Array<Record<string, unknown>> };
  mutate(copy.releases);
  return copy;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof VersionError ? error.code : `not a VersionError: ${String(error)}`;
  }
  return undefined;
}

describe("release table", () => {
  it("resolves exact, patch, v-prefixed and pre-release strings to their major.minor row", () => {
    expect(releaseTable.resolve("0.2.0").protocol).toBe(2);
    expect(releaseTable.resolve("0.2.7").protocol).toBe(2);
    expect(releaseTable.resolve("v0.3.0").protocol).toBe(3);
    expect(releaseTable.resolve("0.3.0-rc.2").stateLevel).toBe(3);
    expect(releaseTable.resolve(" 0.1.4 ").release).toBe("0.1.0");
  });

  it("refuses malformed strings with E_RELEASE_INVALID and unknown ones with E_RELEASE_UNKNOWN", () => {
    for (const bad of ["", "banana", "0.2", "1", "0.2.0.1", "latest"]) {
      expect(codeOf(() => releaseTable.resolve(bad)), bad).toBe("E_RELEASE_INVALID");
    }
    for (const unknown of ["0.0.9", "0.4.0", "1.2.0"]) {
      expect(codeOf(() => releaseTable.resolve(unknown)), unknown).toBe("E_RELEASE_UNKNOWN");
    }
  });

  it("defines adjacency by the table: consecutive rows, older first", () => {
    const pairs = releaseTable.adjacentPairs().map(([a, b]) => `${a.release}->${b.release}`);
    expect(pairs).toEqual(["0.1.0->0.2.0", "0.2.0->0.3.0"]);
    expect(releaseTable.distance("0.1.0", "0.2.5")).toBe(1);
    expect(releaseTable.distance("0.1.0", "0.3.0")).toBe(2);
  });

  it("rejects tables that break its ordering rules", () => {
    expect(codeOf(() => new ReleaseTable(tableWith((r) => r.reverse())))).toBe("E_RELEASE_TABLE_INVALID");
    expect(codeOf(() => new ReleaseTable(tableWith((r) => ((r[2] as Record<string, unknown>).protocol = 5))))).toBe(
      "E_RELEASE_TABLE_INVALID",
    );
    expect(codeOf(() => new ReleaseTable(tableWith((r) => ((r[1] as Record<string, unknown>).stateLevel = 0))))).toBe(
      "E_RELEASE_TABLE_INVALID",
    );
    expect(codeOf(() => new ReleaseTable(tableWith((r) => ((r[0] as Record<string, unknown>).writes = ["piece-index"]))))).toBe(
      "E_RELEASE_TABLE_INVALID",
    );
    expect(codeOf(() => new ReleaseTable({ releases: [] }))).toBe("E_RELEASE_TABLE_INVALID");
    expect(
      codeOf(() => new ReleaseTable(tableWith((r) => r.push({ ...(r[2] as Record<string, unknown>), release: "0.3.1" })))),
    ).toBe("E_RELEASE_TABLE_INVALID");
    expect(codeOf(() => new ReleaseTable("nope"))).toBe("E_RELEASE_TABLE_INVALID");
  });

  it("refuses a row that does not read what the row before it writes: consecutive releases must read each other's messages", () => {
    const without = (rows: Array<Record<string, unknown>>, i: number, feature: string) => {
      const row = rows[i] as { reads: string[]; writes: string[] };
      row.reads = row.reads.filter((f) => f !== feature);
      row.writes = row.writes.filter((f) => f !== feature);
    };
    // 0.3.0 no longer reading the FileReferences 0.2.0 sends; 0.2.0 no longer reading 0.1.0's whole descriptions.
    for (const [i, feature] of [[2, "file-reference"], [1, "cd-whole-waku"]] as const) {
      let caught: unknown;
      try {
        new ReleaseTable(tableWith((r) => without(r, i, feature)));
      } catch (error) {
        caught = error;
      }
      expect(caught, `row ${i} without ${feature}`).toBeInstanceOf(VersionError);
      expect((caught as VersionError).code).toBe("E_RELEASE_TABLE_INVALID");
      expect((caught as VersionError).message).toContain(feature);
      expect((caught as VersionError).details).toMatchObject({ row: i });
    }
    // Two rows apart may break: a 0.4.0 may stop reading what only 0.2.0 wrote.
    const extended = tableWith((r) => r.push({ ...(r[2] as Record<string, unknown>), release: "0.4.0", protocol: 4, stateLevel: 4 }));
    without((extended as { releases: Array<Record<string, unknown>> }).releases, 3, "cd-whole-waku");
    expect(new ReleaseTable(extended).newest.reads).not.toContain("cd-whole-waku");
  });

  it("keeps what it validated: the JSON it was built from, changed afterwards, and its own rows cannot change it", () => {
    const json = tableWith(() => undefined) as { releases: Array<{ reads: string[]; writes: string[] }> };
    const table = new ReleaseTable(json);
    json.releases[0]!.writes.push("piece-index");
    json.releases[0]!.reads.push("piece-index");
    expect(table.oldest.writes).not.toContain("piece-index");
    expect(table.oldest.reads).not.toContain("piece-index");
    expect(() => (table.oldest.reads as string[]).push("piece-index")).toThrow(TypeError);
    expect(() => (releaseTable.oldest.writes as string[]).push("file-reference")).toThrow(TypeError);
    expect(releaseTable.oldest.writes).not.toContain("file-reference");
  });

  it("refuses to place a release it does not hold (indexOf, distance) instead of counting it as row -1", () => {
    const foreign = { ...releaseTable.newest, release: "0.9.0" };
    expect(codeOf(() => releaseTable.indexOf(foreign))).toBe("E_RELEASE_UNKNOWN");
    // Row -1 was one row from 0.1.0: "consecutive, must interoperate".
    expect(codeOf(() => releaseTable.distance(foreign, "0.1.0"))).toBe("E_RELEASE_UNKNOWN");
    expect(codeOf(() => releaseTable.indexOf(null as never))).toBe("E_RELEASE_INVALID");
    // A row of another table with the same major.minor is placed as its string is.
    expect(releaseTable.indexOf({ ...releaseTable.newest, release: "0.3.4" })).toBe(releaseTable.indexOf("0.3.4"));
    expect(releaseTable.indexOf(releaseTable.oldest)).toBe(0);
  });

  it("refuses a release string its schema's pattern lets through but semver cannot read (a part past 2^53 - 1, over 256 characters), with its typed error", () => {
    const huge = "99999999999999999999.0.0";
    const long = `0.${"1".repeat(300)}.0`;
    for (const [i, release] of [[2, huge], [0, huge], [1, long]] as const) {
      // A first row was accepted and resolve() then threw a TypeError; a later one threw a TypeError at once.
      expect(codeOf(() => new ReleaseTable(tableWith((r) => ((r[i] as Record<string, unknown>).release = release)))), `row ${i}: ${release.slice(0, 30)}`).toBe(
        "E_RELEASE_TABLE_INVALID",
      );
    }
    expect(codeOf(() => new ReleaseTable({ releases: [{ ...defaultJson.releases[0], release: huge }] }))).toBe("E_RELEASE_TABLE_INVALID");
  });

  it("accepts a new row, and the new pair appears", () => {
    const extended = new ReleaseTable(
      tableWith((r) =>
        r.push({ ...(r[2] as Record<string, unknown>), release: "0.4.0", protocol: 4, stateLevel: 4 }),
      ),
    );
    expect(extended.adjacentPairs().map(([a, b]) => b.release)).toEqual(["0.2.0", "0.3.0", "0.4.0"]);
  });
});

describe("protocol profiles", () => {
  it("read a window of [protocol-1, protocol] clipped to the table", () => {
    expect(profileFor(1).window).toEqual({ min: 1, max: 1 });
    expect(profileFor(2).window).toEqual({ min: 1, max: 2 });
    expect(profileFor(3).window).toEqual({ min: 2, max: 3 });
  });

  it("carry the release's features", () => {
    expect(profileForRelease("0.1.0").writes("file-reference")).toBe(false);
    expect(profileForRelease("0.2.0").writes("cd-whole-waku")).toBe(true);
    expect(profileForRelease("0.3.0").writes("cd-whole-waku")).toBe(false);
    expect(profileForRelease("0.3.0").reads("cd-whole-waku")).toBe(true);
  });

  it("refuse a protocol no release speaks", () => {
    expect(codeOf(() => profileFor(9))).toBe("E_PROTOCOL_UNKNOWN");
  });
});
