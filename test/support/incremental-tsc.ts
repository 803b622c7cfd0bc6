import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "./cli.js";
import { processAlive } from "./process-alive.js";

export interface TscRun {
  /** tsc's exit status; null when it was killed (the timeout). */
  readonly status: number | null;
  /** stdout and stderr together (tsc writes its diagnostics to stdout). */
  readonly output: string;
}

/**
 * `name` made this checkout's own, in node_modules/.cache/status-codex-compat (git-ignored; the
 * folder is made): clones that link one node_modules each get their own.
 */
export function cachePath(name: string): string {
  const root = realpathSync(PROJECT_ROOT);
  const dir = join(root, "node_modules", ".cache", "status-codex-compat");
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}-${createHash("sha256").update(root).digest("hex").slice(0, 12)}`);
}

/** Longer than any run holds the lock: tsc is killed after its timeout (3 minutes by default). */
const STALE_LOCK_MS = 10 * 60 * 1000;

/** Takes `lock` (a file holding the owner's pid); false when another live process holds it. */
function tryLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let owner: number;
    let ageMs: number;
    try {
      owner = Number(readFileSync(lock, "utf8"));
      ageMs = Date.now() - statSync(lock).mtimeMs;
    } catch {
      continue; // Released meanwhile.
    }
    // Empty: its owner is between its create and its write. Otherwise only a run killed while it
    // held the lock leaves one behind: its process is gone, or its id was reused long after (no
    // run holds it past tsc's timeout).
    if (!(owner > 0) || (processAlive(owner) && ageMs < STALE_LOCK_MS)) return false;
    rmSync(lock, { force: true });
  }
  return false;
}

/**
 * Runs tsc with `args` in `cwd`, keeping its incremental state between runs under `name`: a
 * rerun checks again only the files that changed and those whose imports' declared types
 * changed (tsc compares each file's text and each module's shape), and reports the errors it
 * kept for the others, so an error in an unchanged file still fails. The whole project took
 * about 36 s of CPU to check; an unchanged rerun about 10 (reading and binding every file stays).
 * A clean clone (CI) has no state yet and checks everything, as without it.
 *
 * A file that declares globals (no import or export) changes every file's context: tsc checks
 * everything again when one is new, moved or edited, so such a file must keep its path and text.
 * So must the state file itself: tsc takes another --tsBuildInfoFile for a changed option and
 * checks everything again. It is therefore used in place, by one run at a time (a lock file with
 * the owner's pid); a run that finds it taken by a live process checks everything without it, as
 * before, rather than wait. A state file a killed run left half-written is no JSON: tsc ignores it.
 *
 * Not spawnSync: a fork blocked for the whole check (two minutes on a loaded machine) misses
 * vitest's calls to it, and the run ends with the error "Timeout calling onTaskUpdate".
 */
export async function incrementalTsc(name: string, args: readonly string[], cwd: string, timeoutMs = 180_000): Promise<TscRun> {
  const state = `${cachePath(name)}.tsbuildinfo`;
  const lock = `${state}.lock`;
  const locked = tryLock(lock);
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  try {
    return await promisify(execFile)(process.execPath, [tsc, ...args, ...(locked ? ["--incremental", "--tsBuildInfoFile", state] : [])], {
      cwd,
      encoding: "utf8",
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    }).then(
      ({ stdout, stderr }): TscRun => ({ status: 0, output: stdout + stderr }),
      (error: { code?: unknown; stdout?: string; stderr?: string; message: string }): TscRun => ({
        status: typeof error.code === "number" ? error.code : null,
        output: `${error.stdout ?? ""}${error.stderr ?? ""}` || error.message,
      }),
    );
  } finally {
    if (locked) rmSync(lock, { force: true });
  }
}
