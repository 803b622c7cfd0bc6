import { describe, expect, it } from "vitest";
import { projectTsc } from "./support/project-tsc.js";

describe("TypeScript", () => {
  it("the whole project (src, migrations, tests, benchmarks, scripts) type-checks under strict settings", async () => {
    // One tsc for this file and doc-snippets.test.ts (the documents' examples are in its program;
    // their diagnostics are that file's). Incremental: a rerun checks what changed (and what
    // depends on it) and reports the errors kept for the rest; a clean clone checks everything.
    const r = await projectTsc();
    expect(r.project.join("\n")).toBe("");
    expect(r.status, "tsc was killed (its timeout)").not.toBeNull();
  }, 200_000);
});
