import { spawn } from "node:child_process";
import { PROJECT_ROOT } from "../../support/cli.js";
import { nodeArgs } from "../../support/node-args.js";

/**
 * Runs the child `script` (given `dir` and `args`) in a mount namespace of its own with a `size`
 * tmpfs at `dir` (as root, or as a user mapped to root in a user namespace), gone with the child:
 * a real small file system for the full-disk cases, no root needed outside.
 */
export function inSmallDisk(dir: string, size: string, script: string, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const asRoot = process.getuid?.() === 0;
  const unshare = asRoot ? ["--mount"] : ["--user", "--map-root-user", "--mount"];
  const command = ["unshare", ...unshare, "sh", "-c", 'mount -t tmpfs -o size="$1" tmpfs "$2" && shift 2 && exec "$@"', "sh", size, dir, process.execPath, ...nodeArgs(script), dir, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command[0] as string, command.slice(1), { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
