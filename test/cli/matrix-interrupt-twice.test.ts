import { readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { startCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { preloadOption } from "../support/node-args.js";

// Relative to the child's working folder (the project root): NODE_OPTIONS splits on spaces, which a checkout's path may hold.
const DEAF_STORAGE_CHECK = "./test/cli/support/deaf-storage-check.ts";

/**
 * `status-compat matrix` as a real process with its own temp folder, signalled while a cell holds
 * on: `first`, then `second` 50 ms later. The cell is the stand-in storage check that ignores its
 * signal (a real storage check now stops its clients at the first signal and can end the run
 * before a second comes), so after the first signal the run waits out its grace (1 s) for it and
 * the second always lands while the cell still runs.
 */
async function signalTwice(first: NodeJS.Signals, second: NodeJS.Signals): Promise<{ ended: { code: number | null; signal: NodeJS.Signals | null }; stderr: string; work: () => string[]; afterSecondMs: number }> {
  const tmp = tempDir("scc-cli-matrix-twice-");
  const cli = startCli(["matrix", "--only", "storage"], { TMPDIR: tmp, NODE_OPTIONS: preloadOption(DEAF_STORAGE_CHECK) });
  const work = (): string[] => readdirSync(tmp).filter((name) => name.startsWith("status-compat-matrix-"));
  await Promise.race([cli.stderrHas("deaf check: holding on"), cli.closed]);
  expect(cli.output.stderr).toMatch(/deaf check: holding on/);
  expect(work(), "the run's work folder while the cell holds on").toHaveLength(1);
  cli.child.kill(first);
  await sleep(50);
  cli.child.kill(second);
  const sentAt = performance.now();
  const ended = await cli.closed;
  return { ended, stderr: cli.output.stderr, work, afterSecondMs: performance.now() - sentAt };
}

describe("status-compat matrix: a second signal while a slow cell runs", () => {
  test.each([
    ["SIGINT", "SIGINT"],
    // A cancelled GitHub Actions job: SIGINT, then SIGTERM when the first did not end it soon enough.
    ["SIGINT", "SIGTERM"],
  ] as const)(
    "%s, then %s while a cell holds on: the process ends by the second signal at once, saying so, and no status-compat-matrix-* work folder (state databases, stores) is left in the temp folder; the folder stayed behind",
    async (first, second) => {
      const { ended, stderr, work, afterSecondMs } = await signalTwice(first, second);
      expect(ended, stderr.slice(-2000)).toEqual({ code: null, signal: second });
      expect(work()).toEqual([]);
      expect(stderr).toMatch(new RegExp(`status-compat matrix: interrupted again \\(${second}\\); stopping at once: the work folder is removed`));
      // At once: before the first signal's grace for the cell (1 s) ran out, which ends the run by the first signal.
      expect(afterSecondMs).toBeLessThan(1500);
    },
    60_000,
  );
});
