/**
 * stdout redirected to a file on a disk that refuses the write (`status-compat file put x > ref.json`
 * on a full disk, over a quota or a file-size limit): the command's result is lost, and the disk is
 * why. It ended as "internal error (writing stdout failed)" with a stack, exit 70 (a bug), instead
 * of the disk refusal the CLI documents (exit 5, naming the OS code and what to do). A real process
 * under RLIMIT_FSIZE with stdout appended to a file already at the limit (EFBIG, as ENOSPC).
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { PROJECT_ROOT } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { nodeArgs } from "../support/node-args.js";

const LIMIT_BYTES = 2 * 1024 * 1024;

/** The CLI under a file-size limit of LIMIT_BYTES with stdout appended to `stdoutFile`; its status and stderr. */
function runWithStdoutIn(stdoutFile: string, args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const blocks = String(LIMIT_BYTES / 512);
    const child = spawn("sh", ["-c", 'ulimit -f "$1" && out="$2" && shift 2 && exec "$@" >>"$out"', "sh", blocks, stdoutFile, process.execPath, ...nodeArgs("src/cli/run.ts"), ...args], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 60_000,
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe("stdout on a disk that refuses the write", () => {
  test.each([
    ["releases", (_dir: string) => ["releases"]],
    ["file put", (dir: string) => {
      const path = join(dir, "photo.jpg");
      writeFileSync(path, "a small photo");
      return ["file", "put", path, "--home", join(dir, "home")];
    }],
  ] as const)("%s: exit 5 with a line naming the disk's refusal, not an internal error", async (_name, argv) => {
    const dir = tempDir("scc-cli-stdout-full-");
    const stdoutFile = join(dir, "out.json");
    writeFileSync(stdoutFile, Buffer.alloc(LIMIT_BYTES));

    const r = await runWithStdoutIn(stdoutFile, argv(dir));

    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr).toMatch(/stdout could not be written \(EFBIG\)/);
    expect(r.code, r.stderr).toBe(EXIT.STORAGE);
  }, 60_000);
});
