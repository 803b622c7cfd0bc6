import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Compiles the sources once per run for the tests' child processes (test/support/node-args.ts).
    globalSetup: ["test/support/child-build/global-setup.ts"],
    // Child processes, native SQLite handles and real sockets: forks isolate them best. Each file
    // gets a fresh fork (isolate: true); why files do not share a module cache: docs/CONTRIBUTING.md.
    pool: "forks",
    poolOptions: {
      forks: {
        // vitest's default is one fork fewer than the cores: a single fork on CI's 2 cores, so the
        // second core sat idle whenever a test waited on its own (disk syncs, sockets, timers) or
        // ran without a child process. Two forks there; the default on larger machines.
        maxForks: Math.max(2, availableParallelism() - 1),
        minForks: 1,
      },
    },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Property tests print their seed on failure (fast-check does it itself); keep stack traces readable.
    printConsoleTrace: false,
  },
  // The compiled copies are no source of a test: a watch-mode run is not to react to their writes.
  server: { watch: { ignored: ["**/.test-build/**"] } },
});
