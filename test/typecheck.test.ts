import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./support/cli.js";

describe("TypeScript", () => {
  it("the whole project (src, migrations, tests, benchmarks, scripts) type-checks under strict settings", () => {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json", "--noEmit"], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 180_000 });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 200_000);
});
