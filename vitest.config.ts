import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Child processes, native SQLite handles and real sockets: forks isolate them best.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Property tests print their seed on failure (fast-check does it itself); keep stack traces readable.
    printConsoleTrace: false,
  },
});
