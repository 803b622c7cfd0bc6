import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { spawnCollecting } from "../support/cli.js";
import { nodeArgs } from "../support/node-args.js";

const WITHOUT_BUF = join(import.meta.dirname, "..", "compat", "support", "without-optional-buf.cjs");

describe("status-compat matrix without buf (an optional dependency: npm ci --omit=optional)", () => {
  test("the schema column cannot run: exit 2 with error[E_TOOL_MISSING] saying what to do, no verdict on stdout; it reported the pairs BROKEN (exit 1), as if the releases did not interoperate", async () => {
    const r = await spawnCollecting(process.execPath, ["-r", WITHOUT_BUF, ...nodeArgs("src/cli/run.ts"), "matrix", "--only", "schema,wire"]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).not.toMatch(/verdict/);
    expect(r.stderr).toMatch(/error\[E_TOOL_MISSING\]: .*buf is not installed/);
    expect(r.stderr).toMatch(/--only/);
    // The hint was schema check's ("or pass --buf PATH"): matrix has no --buf, and a CI engineer
    // who followed it got a usage error, "Unknown option '--buf'".
    expect(r.stderr).not.toMatch(/--buf/);
    expect(r.stderr).toMatch(/npm i -D @bufbuild\/buf@/);
  }, 60_000);

  test("the columns that need no buf still run without it", async () => {
    const r = await spawnCollecting(process.execPath, ["-r", WITHOUT_BUF, ...nodeArgs("src/cli/run.ts"), "matrix", "--only", "wire,negotiate"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/verdict: ok/);
  }, 60_000);
});
