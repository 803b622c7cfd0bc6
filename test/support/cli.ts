import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Runs the CLI in this process (fast; for argument handling and output shape). */
export async function runCliInProcess(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (b: Buffer) => out.push(b));
  stderr.on("data", (b: Buffer) => err.push(b));
  const code = await main(args, { stdout, stderr, stderrIsTTY: false, env, cwd: process.cwd() });
  return { code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

export interface SpawnCliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs the CLI as a real child process from the TypeScript sources (exit codes, signals, stdio). */
export function runCli(args: string[], options: SpawnCliOptions = {}): Promise<CliResult> {
  return spawnCollecting(process.execPath, ["--import", "tsx", "src/cli/run.ts", ...args], options);
}

/** Runs `command` with `args` under the options' cwd, env and timeout; its exit status and output. */
export function spawnCollecting(command: string, args: readonly string[], options: SpawnCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 60_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({
        code: code ?? (signal === null ? -1 : 128),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

/** Rows of `sql` in the state database of the CLI home `home`, opened read-only. */
export function journalRows(home: string, sql: string, ...params: unknown[]): Record<string, unknown>[] {
  const db = new Database(join(home, "state.sqlite"), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as Record<string, unknown>[];
  } finally {
    db.close();
  }
}
