/** Runs local-log-child.ts as a real process and collects the CIDs it acknowledged. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PROJECT_ROOT } from "../../support/cli.js";

const CHILD = fileURLToPath(new URL("./local-log-child.ts", import.meta.url));

export interface ChildRun {
  /** CIDs whose put resolved in the child, in the order it printed them. */
  acknowledged: string[];
  killed: boolean;
}

/**
 * Runs the child to its end, or SIGKILLs it `killAfterMs` after its first acknowledged put
 * (a moment somewhere among the puts, writes and syncs in flight).
 */
export function runLogChild(args: string[], killAfterMs?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const acknowledged: string[] = [];
    let buffered = "";
    let stderr = "";
    let armed = false;
    const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.on("data", (data: Buffer) => {
      buffered += data.toString("utf8");
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith("put ")) acknowledged.push(line.slice(4));
      }
      if (killAfterMs !== undefined && !armed && acknowledged.length > 0) {
        armed = true;
        setTimeout(() => child.kill("SIGKILL"), killAfterMs);
      }
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      if (signal === "SIGKILL" && killAfterMs !== undefined) resolve({ acknowledged, killed: true });
      else if (code === 0) resolve({ acknowledged, killed: false });
      else reject(new Error(`log child exited with ${code ?? signal}: ${stderr}`));
    });
  });
}
