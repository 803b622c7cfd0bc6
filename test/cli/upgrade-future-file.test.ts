import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { sha256File, siblings } from "../state/support/files.js";
import { fileFromNewerRelease } from "../state/support/future-file.js";

describe("status-compat upgrade of a file a newer release wrote", () => {
  for (const dryRun of [true, false]) {
    test(`${dryRun ? "--dry-run" : "the real run"}: exit 4 (the database refused: from the future, as \`migrate up\` says of it), not 1 (the upgrade is unsafe); the line says so and what to do; the file is as it was`, async () => {
      const path = fileFromNewerRelease(tempDir(), 4);
      const hash = sha256File(path);
      const files = siblings(path);
      const r = await runCliInProcess(["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db", path, ...(dryRun ? ["--dry-run"] : []), "--work-dir", tempDir()]);
      expect(r.code).toBe(4);
      expect(r.stdout).toMatch(/a release newer than this build wrote it/);
      expect(r.stderr).toMatch(/E_STATE_FROM_FUTURE/);
      expect(r.stderr).toContain(path);
      expect(sha256File(path)).toBe(hash);
      expect(siblings(path)).toEqual(files);
    });
  }

  test("--json: the source check carries the code, exit 4", async () => {
    const path = fileFromNewerRelease(tempDir(), 4);
    const r = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.2.0", "--db", path, "--dry-run", "--json", "--work-dir", tempDir()]);
    expect(r.code).toBe(4);
    const report = JSON.parse(r.stdout) as { checks: { id: string; code?: string }[] };
    expect(report.checks.map((c) => [c.id, c.code])).toEqual([["source", "E_STATE_FROM_FUTURE"]]);
  });
});
