/**
 * runMatrix (and the schema checks) are the compat layer's, for this repository's code: the package
 * does not export them, and CI scripts run `status-compat matrix`. docs/schema-check.md described
 * its options as if for integrators; it now says it is not API, and this holds the entry to that.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";

test("the package's entry exports none of the compat layer's values, as docs/schema-check.md says (runMatrix is not API; CI runs the CLI)", async () => {
  const entry = new Set(Object.keys(await import("../../src/index.js")));
  const compat = Object.keys(await import("../../src/compat/index.js"));
  expect(compat).toContain("runMatrix");
  expect(compat.filter((name) => entry.has(name))).toEqual([]);
  const doc = readFileSync(join(PROJECT_ROOT, "docs/schema-check.md"), "utf8").replace(/\s+/g, " ");
  expect(doc).toContain("`runMatrix(options)` from `src/compat`, which the package does not export either. It is not API");
});
