import { describe, expect, it } from "vitest";
import { runCli, runCliInProcess } from "../support/cli.js";

describe("status-compat CLI", () => {
  it("lists its commands on --help and exits 0", async () => {
    const r = await runCliInProcess(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("releases");
  });

  it("exits 2 on an unknown command or flag, with the reason on stderr", async () => {
    const unknown = await runCliInProcess(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command");
    const flag = await runCliInProcess(["releases", "--nope"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("E_USAGE");
  });

  it("prints the release table as JSON for machines", async () => {
    const r = await runCliInProcess(["releases", "--json"]);
    const parsed = JSON.parse(r.stdout) as { releases: Array<{ release: string }> };
    expect(parsed.releases.map((x) => x.release)).toEqual(["0.1.0", "0.2.0", "0.3.0"]);
  });

  it("runs as a real process with stdout for results", async () => {
    const r = await runCli(["releases"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^0\.1\.0 +protocol 1/m);
  });
});
