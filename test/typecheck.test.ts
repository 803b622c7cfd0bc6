import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./support/cli.js";
import { incrementalTsc } from "./support/incremental-tsc.js";

describe("TypeScript", () => {
  it("the whole project (src, migrations, tests, benchmarks, scripts) type-checks under strict settings", async () => {
    // Incremental: a rerun checks what changed (and what depends on it) and reports the errors
    // kept for the rest; a clean clone checks everything.
    const r = await incrementalTsc("typecheck", ["-p", "tsconfig.json", "--noEmit"], PROJECT_ROOT);
    expect(r.output).toBe("");
    expect(r.status).toBe(0);
  }, 200_000);
});
