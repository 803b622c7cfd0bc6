import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("status-compat matrix --json --out FILE", () => {
  test("stdout is one JSON object (ok, verdict, counts, out) and FILE the whole report; stdout was the text verdict line, which a program reading --json output could not parse", async () => {
    const out = join(tempDir("scc-matrix-json-out-"), "report.json");
    const r = await runCliInProcess(["matrix", "--only", "wire", "--json", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(out, "utf8")) as { ok: boolean; counts: { pass: number; fail: number } };
    expect(report.ok).toBe(true);
    const summary = JSON.parse(r.stdout) as unknown;
    expect(summary).toEqual({
      ok: true,
      verdict: expect.stringMatching(/^verdict: ok for the columns run \(wire\)/),
      counts: report.counts,
      out,
    });
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(1);
  }, 60_000);

  test("--format table --out FILE keeps the text verdict line on stdout", async () => {
    const out = join(tempDir("scc-matrix-json-out-"), "report.txt");
    const r = await runCliInProcess(["matrix", "--only", "wire", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^verdict: ok for the columns run \(wire\)/);
  }, 60_000);
});
