// Prints "N passed, N failed" from vitest's JSON report. A test file that failed to load (no test
// ran in it) counts as one failure, so a broken import can never pass CI silently.
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? ".ci/results.json";
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (error) {
  console.log(`no vitest report at ${file}: ${error.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}

let passed = 0;
let failed = 0;
for (const suite of report.testResults ?? []) {
  const results = suite.assertionResults ?? [];
  for (const t of results) {
    if (t.status === "passed") passed++;
    else if (t.status === "failed") failed++;
  }
  if (suite.status === "failed" && !results.some((t) => t.status === "failed")) {
    console.log(`file failed outside any test: ${suite.name}: ${(suite.message ?? "").split("\n")[0]}`);
    failed++;
  }
}
if (report.success === false && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
