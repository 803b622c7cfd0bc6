/**
 * E_RELEASE_UNKNOWN advised "add a row to src/versions/releases.json", which someone who installed
 * the package (an app, `status-compat upgrade --to 0.4.0` in a release script) cannot do: the
 * release is one this build does not know, and a newer build of the package may. The message now
 * says that first and keeps the file for developers of this package; a table the caller built
 * (new ReleaseTable(json)) is told to get the row in that table's JSON, which is the caller's own.
 */
import { describe, expect, test } from "vitest";
import { ReleaseTable, releaseTable, VersionError } from "../../src/versions/index.js";
import defaultJson from "../../src/versions/releases.json" with { type: "json" };
import { thrown } from "../support/thrown.js";

const messageOf = (table: ReleaseTable, release: string): string => {
  const error = thrown(() => table.resolve(release));
  expect(error).toBeInstanceOf(VersionError);
  expect((error as VersionError).code).toBe("E_RELEASE_UNKNOWN");
  return (error as VersionError).message;
};

describe("E_RELEASE_UNKNOWN's advice", () => {
  test("the embedded table: a release this build does not know, upgrade the package; the file for the package's developers", () => {
    const message = messageOf(releaseTable, "0.9.0");
    expect(message).toMatch(/^release 0\.9\.0 is not in the release table \(known: 0\.1\.0, 0\.2\.0, 0\.3\.0\)/);
    expect(message).toContain("this build of status-codex-compat does not know it");
    expect(message).toContain("upgrade status-codex-compat");
    expect(message).toContain("developers of status-codex-compat: add its row to src/versions/releases.json");
  });

  test("a table the caller built: its own JSON, not the package's file nor an upgrade", () => {
    const own = new ReleaseTable(structuredClone(defaultJson));
    const message = messageOf(own, "0.9.0");
    expect(message).toMatch(/^release 0\.9\.0 is not in the release table given \(known: 0\.1\.0, 0\.2\.0, 0\.3\.0\)/);
    expect(message).toContain("add its row to the JSON that table was built from");
    expect(message).not.toContain("releases.json");
    expect(message).not.toContain("upgrade");
  });
});
