import { cpSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { PROJECT_ROOT, runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("schema check --root with a vN entry that cannot be looked at", () => {
  test("a link named v3 to nothing (a folder moved away) is E_SCHEMA_DIR_INVALID naming it (exit 2), not compared around; it was an internal error (exit 70) with a stack", async () => {
    const root = tempDir("scc-schema-root-");
    for (const v of ["v1", "v2"]) cpSync(join(PROJECT_ROOT, "proto", "status", "storage", v), join(root, v), { recursive: true });
    symlinkSync(join(root, "moved-away"), join(root, "v3"));
    const r = await runCliInProcess(["schema", "check", "--all", "--root", root]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error\[E_SCHEMA_DIR_INVALID\]: .*v3.*ENOENT/);
    expect(r.stderr).not.toMatch(/internal error/);
  });
});
