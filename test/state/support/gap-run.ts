/**
 * Runs open-gap-child.ts on a state file and makes another process take the file at the child's
 * stop: the child blocks its thread there until the holder (held-file.ts, in `hold` mode) holds
 * the file, then goes on; the holder lets go only once the child's timer has ticked three times
 * after that, which it can only while the run leaves the event loop free. A run that meets the
 * held file on SQLite's busy timeout freezes instead: no tick, and after the timeout its error
 * (or, for a busy timeout longer than the test, no result at all). Nothing is timed.
 */
import { spawn } from "node:child_process";
import { onTestFinished } from "vitest";
import { PROJECT_ROOT } from "../../support/cli.js";
import { nodeArgs } from "../../support/node-args.js";
import { holder } from "./held-file.js";

export async function runThroughGap(
  path: string,
  { options = {}, stopAt, hold = "exclusive" }: { options?: Record<string, unknown>; stopAt?: string; hold?: "exclusive" | "read" } = {},
): Promise<{ outcome: Record<string, unknown>; ticks: number }> {
  const args = stopAt === undefined ? [path] : [path, JSON.stringify(options), stopAt];
  const child = spawn(process.execPath, [...nodeArgs("test/state/support/open-gap-child.ts"), ...args], { cwd: PROJECT_ROOT, stdio: ["pipe", "pipe", "inherit"] });
  onTestFinished(() => void child.kill("SIGKILL"));
  let out = "";
  let ticks = 0;
  let onOpened = (): void => undefined;
  const opened = new Promise<void>((resolve) => (onOpened = resolve));
  let release: (() => void) | undefined;
  const result = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString("utf8");
      const lines = out.split("\n");
      out = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "opened") onOpened();
        else if (line === "tick") {
          ticks++;
          if (ticks === 3) release?.();
        } else resolve(JSON.parse(line) as Record<string, unknown>);
      }
    });
    child.on("exit", (code) => reject(new Error(`child exited ${code} without a result`)));
  });
  await opened;
  const held = await holder(path, hold);
  release = held.release;
  child.stdin.write("go\n");
  const outcome = await result;
  // The holder let go (the run could not have gone on otherwise).
  if (ticks >= 3) await held.released;
  return { outcome, ticks };
}
