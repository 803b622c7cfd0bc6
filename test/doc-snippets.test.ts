import { describe, expect, it } from "vitest";
import { DOCUMENTS, snippetsOf } from "./support/doc-snippet-files.js";
import { projectTsc } from "./support/project-tsc.js";

/** The documents that have examples now; one that lost them all (a renamed fence) would check nothing. */
const WITH_EXAMPLES = ["README.md", "docs/storage.md", "docs/state.md", "docs/wire.md", "docs/codex-backend.md"];

describe("documentation examples", () => {
  it("every TypeScript example in the README and docs type-checks against the current exports", async () => {
    const snippets = DOCUMENTS.flatMap(snippetsOf);
    // Each of those keeps at least one example; a renamed fence would otherwise check nothing.
    const documented = new Set(snippets.map((s) => s.doc));
    expect(WITH_EXAMPLES.filter((doc) => !documented.has(doc))).toEqual([]);
    // A user copies an example into an application that has the package, not this checkout: an
    // import from a path of the repository (docs/codex-backend.md's "./src/storage/backends/codex/index.js")
    // resolves nowhere there, and one that reaches past the entry finds what the package does not export.
    const imports = snippets.flatMap((s) => [...s.code.matchAll(/\bfrom "([^"]+)"/g)].map((m) => ({ at: `${s.doc}:${s.line}`, from: m[1] as string })));
    expect(imports.filter((i) => i.from !== "status-codex-compat" && !i.from.startsWith("node:"))).toEqual([]);

    // Checked in the run's one tsc with the project (test/support/project-tsc.ts), each example a
    // module named for its document and line; errors inside the sources are typecheck.test.ts's.
    const r = await projectTsc();
    expect(r.status, "tsc was killed (its timeout)").not.toBeNull();
    expect(r.examples).toEqual([]);
  }, 200_000);
});
