import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";

/** Registers a cleanup for when the current test finishes: vitest's `onTestFinished`, or a test context's. */
export type FinishedHook = (cleanup: () => void) => void;

/**
 * A fresh directory under the OS temp dir, removed when the current test finishes. A concurrent
 * test (`test.concurrent`) passes its context's `onTestFinished`: vitest does not know which test
 * the global one is called from while several run at once.
 */
export function tempDir(prefix = "scc-", finished: FinishedHook = onTestFinished): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  finished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
