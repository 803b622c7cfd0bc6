#!/usr/bin/env node
// The CLI runs the compiled sources; `npm ci` builds them (the `prepare` script).
import { existsSync } from "node:fs";

const entry = new URL("../dist/src/cli/run.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("status-compat: dist/ is missing; run `npm ci` (or `npm run build`) in the package first\n");
  process.exit(2);
}
await import(entry.href);
