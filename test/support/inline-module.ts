import { spawn } from "node:child_process";

/**
 * Runs `source` as an ES module in a fresh Node process (`node --input-type=module -e`) and collects
 * its output: for checks of what a module loads on import, which this worker (that may have loaded
 * it already) cannot see. Import the project's code by `pathToFileURL(compiledPath(file)).href`.
 */
export function runInlineModule(source: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", source], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
