import { describe, expect, test } from "vitest";
import { profileForRelease, ReleaseTable, releaseTable } from "../../src/versions/index.js";

/** The embedded table plus 0.4.0, which keeps protocol 3 (adding a release is adding a row), writes no piece index and needs state level 4. */
function tableWithReleaseKeepingProtocol(): ReleaseTable {
  const json = { releases: releaseTable.rows.map((r) => ({ ...r, writes: [...r.writes], reads: [...r.reads] })) };
  const last = json.releases[json.releases.length - 1]!;
  json.releases.push({ ...last, release: "0.4.0", stateLevel: last.stateLevel + 1, summary: "keeps protocol 3", writes: last.writes.filter((f) => f !== "piece-index") });
  return new ReleaseTable(json);
}

describe("profileForRelease", () => {
  test("is the profile of the release asked for (its features and state level), also when a later release keeps its protocol; it was the newest release of that protocol, so 0.3.0 was described as 0.4.0", () => {
    const table = tableWithReleaseKeepingProtocol();
    for (const row of table.rows) {
      const profile = profileForRelease(row.release, table);
      expect(profile.release.release).toBe(row.release);
      expect(profile.protocol).toBe(row.protocol);
      expect(profile.stateLevel).toBe(row.stateLevel);
      expect(profile.writes("piece-index")).toBe(row.writes.includes("piece-index"));
    }
    // A patch release resolves to its major.minor row, as everywhere else.
    expect(profileForRelease("0.3.2", table).release.release).toBe("0.3.0");
  });
});
