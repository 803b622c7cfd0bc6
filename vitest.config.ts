import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { configDefaults, defineConfig } from "vitest/config";

const TEST_FILES = "test/**/*.test.ts";

// A file that replaces modules or patches what modules hand out (vi.mock and friends, spies, fake
// timers, stubs, the working folder) needs the modules it imports loaded afresh for it: a module
// another file already loaded keeps the real binding, and a patch must not reach the next file.
// Such files are found by reading them, so a new one cannot land in the shared group by mistake.
const NEEDS_FRESH_MODULES =
  /\bvi\.(mock|doMock|unmock|doUnmock|spyOn|useFakeTimers|stubEnv|stubGlobal|resetModules)\(|\bprocess\.chdir\(/;

function testFilesNeedingFreshModules(): string[] {
  return readdirSync("test", { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".test.ts"))
    .map((name) => join("test", name).split("\\").join("/"))
    .filter((file) => NEEDS_FRESH_MODULES.test(readFileSync(file, "utf8")))
    .sort();
}

const freshModuleFiles = testFilesNeedingFreshModules();

// Forks (child processes, native SQLite handles, real sockets and process.chdir all behave as in
// production), reused from file to file: a fresh process and a fresh import of every module per
// file cost the suite about a third of its time (collect 237 s of 694 s on CI's 2 cores). What a
// file changes process-wide it undoes itself: docs/CONTRIBUTING.md, "Tests".
const forks = {
  // vitest's default is one fork fewer than the cores: a single fork on CI's 2 cores, so the
  // second core sat idle whenever a test waited on its own (disk syncs, sockets, timers) or ran
  // without a child process. Two forks there; the default on larger machines.
  maxForks: Math.max(2, availableParallelism() - 1),
  minForks: 1,
  // Read for the whole pool from the root config (vitest 3.2): a fork runs file after file.
  isolate: false,
};

export default defineConfig({
  test: {
    // Compiles the sources once per run for the tests' child processes (test/support/node-args.ts).
    globalSetup: ["test/support/child-build/global-setup.ts"],
    pool: "forks",
    poolOptions: { forks },
    projects: [
      {
        extends: true,
        // Files share the fork's module cache: each module is loaded once per fork.
        test: { name: "shared", include: [TEST_FILES], exclude: [...configDefaults.exclude, ...freshModuleFiles] },
      },
      {
        extends: true,
        // The same forks, but the project's own isolate makes vitest drop the loaded source modules
        // before each file (node_modules and Node's built-in modules stay loaded).
        test: { name: "fresh-modules", include: freshModuleFiles, poolOptions: { forks: { ...forks, isolate: true } } },
      },
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Property tests print their seed on failure (fast-check does it itself); keep stack traces readable.
    printConsoleTrace: false,
  },
  // The compiled copies are no source of a test: a watch-mode run is not to react to their writes.
  server: { watch: { ignored: ["**/.test-build/**"] } },
});
