// Run as a child from its compiled copy (test/support/child-build.test.ts): prints where this
// module, and src/ code that finds files relative to itself, believe they are, as JSON on stdout.
import { createRequire } from "node:module";
import { projectProtoRoot, resolveBufBinary } from "../../../src/compat/index.js";

/** What `find` returns, or the code it throws (buf is an optional dependency). */
function outcome(find: () => string): string {
  try {
    return find();
  } catch (error) {
    return `threw ${(error as { code?: string }).code ?? String(error)}`;
  }
}

process.stdout.write(
  JSON.stringify({
    url: import.meta.url,
    dirname: import.meta.dirname,
    filename: import.meta.filename,
    protoRoot: projectProtoRoot(),
    buf: outcome(() => resolveBufBinary()),
    sqlite: createRequire(import.meta.url).resolve("better-sqlite3"),
  }),
);
