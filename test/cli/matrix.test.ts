import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("status-compat matrix --out", () => {
  test("--out in a missing folder, or naming a folder, is a usage error (exit 2) before the matrix runs; it ran every cell, then failed as an internal error (exit 70) with a stack", async () => {
    const dir = tempDir("scc-cli-matrix-");
    mkdirSync(join(dir, "reports"));
    for (const out of [join(dir, "missing", "report.json"), join(dir, "reports")]) {
      const r = await runCliInProcess(["matrix", "--only", "wire", "--json", "--out", out]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("error[E_USAGE]");
      expect(r.stderr).not.toContain("internal error");
      expect(r.stdout).toBe("");
    }
  });
});
