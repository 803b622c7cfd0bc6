import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, onTestFinished, test } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

/**
 * `status-compat matrix` as a real process with its own temp folder, signalled once a storage cell
 * starts: `first`, then `second` 50 ms later, while that cell still runs.
 */
async function signalTwice(first: NodeJS.Signals, second: NodeJS.Signals): Promise<{ ended: { code: number | null; signal: NodeJS.Signals | null }; stderr: string; work: () => string[]; afterSecondMs: number }> {
  const tmp = tempDir("scc-cli-matrix-twice-");
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/run.ts", "matrix", "--only", "storage"], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TMPDIR: tmp },
    stdio: ["ignore", "pipe", "pipe"],
  });
  onTestFinished(() => void child.kill("SIGKILL"));
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  child.stdout.resume();
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  const work = (): string[] => readdirSync(tmp).filter((name) => name.startsWith("status-compat-matrix-"));
  // The first storage cell of a pair that has Codex (0.2.0 → 0.3.0): files through two clients, then the release switch, a second or so.
  const storageCellRunning = (): boolean => work().some((name) => existsSync(join(tmp, name, "storage-2-to-3-older-to-newer")));
  const deadline = Date.now() + 30_000;
  while (!storageCellRunning() && Date.now() < deadline) await sleep(10);
  expect(storageCellRunning(), stderr).toBe(true);
  child.kill(first);
  await sleep(50);
  child.kill(second);
  const sentAt = performance.now();
  const ended = await closed;
  return { ended, stderr, work, afterSecondMs: performance.now() - sentAt };
}

describe("status-compat matrix: a second signal while a slow cell runs", () => {
  test.each([
    ["SIGINT", "SIGINT"],
    // A cancelled GitHub Actions job: SIGINT, then SIGTERM when the first did not end it soon enough.
    ["SIGINT", "SIGTERM"],
  ] as const)(
    "%s, then %s during a storage cell: the process ends by the second signal at once, saying so, and no status-compat-matrix-* work folder (state databases, stores) is left in the temp folder; the folder stayed behind",
    async (first, second) => {
      const { ended, stderr, work, afterSecondMs } = await signalTwice(first, second);
      expect(ended, stderr.slice(-2000)).toEqual({ code: null, signal: second });
      expect(work()).toEqual([]);
      expect(stderr).toMatch(new RegExp(`status-compat matrix: interrupted again \\(${second}\\); stopping at once: the work folder is removed`));
      // At once: well before the storage cell (seconds) could have finished by itself.
      expect(afterSecondMs).toBeLessThan(1500);
    },
    60_000,
  );
});
