import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import { nodeArgs } from "../../support/node-args.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  /** Resolves with the first stdout line equal to `line` (rejects if the child exits first). */
  waitFor(line: string): Promise<void>;
  /** Every stdout line so far. */
  lines(): string[];
  /** Resolves with exit code and signal once the child is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Runs a TypeScript file of test/state/support as a real child process (compiled for this run: `nodeArgs`). */
export function spawnSupport(script: string, args: string[]): Child {
  const child = spawn(process.execPath, [...nodeArgs(`test/state/support/${script}`), ...args], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  let buffer = "";
  let stderr = "";
  const seen: string[] = [];
  const waiters: { line: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      seen.push(line);
      for (const w of waiters.filter((w) => w.line === line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on("close", (code, signal) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`child exited (${code ?? signal}) before printing "${w.line}": ${stderr}`));
      resolve({ code, signal, stderr });
    });
  });
  return {
    process: child,
    lines: () => [...seen],
    exited,
    waitFor(line) {
      if (seen.includes(line)) return Promise.resolve();
      return new Promise((resolve, reject) => waiters.push({ line, resolve, reject }));
    },
  };
}
