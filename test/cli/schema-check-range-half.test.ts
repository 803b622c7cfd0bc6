import { describe, expect, test } from "vitest";
import { runCliInProcess } from "../support/cli.js";

describe("status-compat schema check given half of --from/--to", () => {
  test.each([
    [["--from", "1"], "--to"],
    [["--to", "2"], "--from"],
  ])("%j: a usage error (exit 2) naming the flag that is missing; it said '%s takes a protocol version (1, 2, …), got \"\"', as if an empty value had been given", async (flags, missing) => {
    const r = await runCliInProcess(["schema", "check", ...flags]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd()).toBe(`status-compat schema check: error[E_USAGE]: schema check: --from and --to go together; ${missing} is missing (see --help)`);
  });
});
