/**
 * A check that fails on the rehearsal's work copy must name the user's file: the copy lives in a
 * folder of the run's own, removed before the report is read, so "<tmp>/…rehearsal-….sqlite is
 * corrupt … Restore it from a backup" sent the user after a file that no longer exists.
 */
import { describe, expect, test } from "vitest";
import { rehearseUpgrade } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { corruptPageOf } from "./support/corrupt.js";
import { copyFixture } from "./support/files.js";

describe("upgrade rehearsal: a failed check names the original file", () => {
  test("a damaged original: the preflight line names it (as the rehearsal copy of it), not the removed work copy", async () => {
    const work = tempDir();
    const path = copyFixture(1, tempDir());
    corruptPageOf(path, "peers");
    const report = await rehearseUpgrade({ path, from: "0.1.0", to: "0.3.0", workDir: work });
    const detail = report.checks.find((c) => c.id === "preflight")?.detail ?? "";
    expect(detail).toMatch(/^E_STATE_CORRUPT: /);
    // Which finds the damage first is a race: the preflight's quick_check on its thread, or the
    // migrations reading the page (SQLite's "malformed"); either must name the original.
    const named = `the rehearsal copy of ${path} (in the work folder) `;
    expect(detail).toContain(named);
    expect(detail.slice(detail.indexOf(named) + named.length)).toMatch(/^(is corrupt|fails PRAGMA quick_check) /);
    expect(detail).not.toContain(work);
  });
});
