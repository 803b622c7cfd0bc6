import { describe, expect, test } from "vitest";
import Database from "better-sqlite3";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "../state/support/files.js";

/**
 * `upgrade --from 0.1.0 --to 0.3.0` skips 0.2.0. A user may really skip a release, and the
 * rehearsal does run the file through every level in between, as the skipping client does; but
 * the report said nothing of the skip, so a release engineer could read its OK as covering the
 * pair 0.1.0/0.3.0 as the adjacent pairs are covered (they need not interoperate). A skip now gets
 * a note under the report's header, `skipped` in --json and a warning on stderr; the verdict line
 * and the exit status stay the verdict's, and reports of adjacent pairs are unchanged.
 */
const WARNING = "status-compat upgrade: warning: --from 0.1.0 --to 0.3.0 skips 0.2.0";

describe("upgrade across a skipped release", () => {
  test("--dry-run --json 0.1.0 -> 0.3.0: exit 0, skipped names 0.2.0, a warning on stderr; the file unchanged", async () => {
    const path = copyFixture(1, tempDir());
    const hash = sha256File(path);
    const r = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--dry-run", "--json", "--work-dir", tempDir()]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { skipped?: string[]; verdict: string };
    expect(report.verdict).toBe("ok");
    expect(report.skipped).toEqual(["0.2.0"]);
    expect(r.stderr).toContain(WARNING);
    expect(sha256File(path)).toBe(hash);
  });

  test("the text report has a note under its header naming the skipped release and the adjacent pairs; exit 0", async () => {
    const path = copyFixture(1, tempDir());
    const r = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", tempDir()]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(/^Rehearsing .*release 0\.1\.0 \(level 1\) -> 0\.3\.0 \(level 3\)/);
    expect(lines[2]).toMatch(/^Note: 0\.1\.0 -> 0\.3\.0 skips 0\.2\.0: /);
    expect(lines[2]).toContain("the adjacent pairs are 0.1.0 -> 0.2.0, 0.2.0 -> 0.3.0");
    expect(r.stdout).toContain("Verdict: OK: upgrade 0.1.0 -> 0.3.0 is safe to run");
    expect(r.stderr).toContain(WARNING);
  });

  test("the real upgrade across the skip: exit 0, the file at level 3, skipped in --json and the warning", async () => {
    const path = copyFixture(1, tempDir());
    const r = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--json", "--work-dir", tempDir()]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { skipped?: string[] };
    expect(report.skipped).toEqual(["0.2.0"]);
    expect(r.stderr).toContain(WARNING);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma("user_version", { simple: true })).toBe(3);
    } finally {
      db.close();
    }
  });

  test.each([
    [1, "0.1.0", "0.2.0"],
    [2, "0.2.0", "0.3.0"],
  ])("adjacent pairs are reported as before: level %i file, %s -> %s: exit 0, no skipped field, no note, no warning", async (level, from, to) => {
    const path = copyFixture(level, tempDir());
    const json = await runCliInProcess(["upgrade", "--from", from, "--to", to, "--db", path, "--dry-run", "--json", "--work-dir", tempDir()]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as Record<string, unknown>;
    expect("skipped" in report).toBe(false);
    expect(report["summary"]).toBe(`upgrade ${from} -> ${to} is safe to run; the original file was not written`);
    expect(json.stderr).not.toContain("warning");
    const text = await runCliInProcess(["upgrade", "--from", from, "--to", to, "--db", path, "--dry-run", "--work-dir", tempDir()]);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toContain("Note:");
    expect(text.stderr).not.toContain("warning");
  });
});
