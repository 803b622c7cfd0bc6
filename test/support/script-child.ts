import { spawn } from "node:child_process";
import { PROJECT_ROOT } from "./cli.js";
import { nodeArgs } from "./node-args.js";

export interface ScriptResult {
  code: number | null;
  /** The signal that ended it, if one did (a child that kills itself ends with SIGKILL). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a TypeScript script of the project as a real child process (its copy compiled for this run,
 * `nodeArgs`) from the project root and
 * collects its output; one that has not ended after `timeoutMs` gets SIGTERM (a hang fails the test
 * instead of stalling it, and is not mistaken for a child that killed itself with SIGKILL).
 */
export function runScript(script: string, args: readonly string[] = [], timeoutMs = 30_000): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs(script), ...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
