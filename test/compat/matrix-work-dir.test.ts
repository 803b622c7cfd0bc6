import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { MATRIX_CHECKS, runMatrix } from "../../src/compat/index.js";
import { tempDir } from "../support/temp-dir.js";

describe("runMatrix({ workDir })", () => {
  test("a work folder given by the caller holds the run's files and is left to the caller (the CLI removes it, also on a second Ctrl-C); what was in it stays", async () => {
    const dir = tempDir("scc-matrix-work-");
    writeFileSync(join(dir, "mine.txt"), "the caller's");
    const report = await runMatrix({ checks: MATRIX_CHECKS.filter((c) => c.column === "storage"), workDir: dir });
    expect(report.ok, JSON.stringify(report.rows)).toBe(true);
    expect(existsSync(join(dir, "mine.txt"))).toBe(true);
    expect(existsSync(join(dir, "storage-1-to-2-older-to-newer"))).toBe(true);
  }, 60_000);
});
