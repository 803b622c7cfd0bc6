import { cpSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { PROJECT_ROOT, runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

/** A root holding copies of the project's `vN` folders named in `versions`. */
function rootWith(...versions: string[]): string {
  const root = tempDir("scc-schema-gap-");
  for (const v of versions) cpSync(join(PROJECT_ROOT, "proto", "status", "storage", v), join(root, v), { recursive: true });
  return root;
}

describe("schema check over version folders with one missing between two", () => {
  test("--all with v1 and v3 (v2 missing) refuses naming v2 (exit 2, E_SCHEMA_DIR_INVALID); it compared v1 to v3 as neighbours and passed", async () => {
    const root = rootWith("v1", "v3");
    const r = await runCliInProcess(["schema", "check", "--all", "--root", root]);
    expect(r.code, r.stderr + r.stdout).toBe(2);
    expect(r.stderr).toMatch(/error\[E_SCHEMA_DIR_INVALID\]: .*v2.*missing/);
    expect(r.stdout).toBe("");
  });

  test("--from 1 --to 3 with v2 missing refuses the same way", async () => {
    const root = rootWith("v1", "v3");
    const r = await runCliInProcess(["schema", "check", "--from", "1", "--to", "3", "--root", root]);
    expect(r.code, r.stderr + r.stdout).toBe(2);
    expect(r.stderr).toMatch(/error\[E_SCHEMA_DIR_INVALID\]: .*v2.*missing/);
  });

  test("folders that do not start at v1 (v2 and v3) have no gap and are still checked", async () => {
    const root = rootWith("v2", "v3");
    const r = await runCliInProcess(["schema", "check", "--all", "--root", root, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { pairs: { old: { label: string }; new: { label: string } }[] };
    expect(report.pairs.map((p) => `${p.old.label}->${p.new.label}`)).toEqual(["v2->v3"]);
  });
});
