import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { StateError, writeFixture } from "../../../src/state/index.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** What a fixture is made of: the fixture writer, the migrations and the runner that applies them. */
const SOURCES = ["src/state", "migrations"];
const DAY_MS = 24 * 60 * 60 * 1000;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Changes with any source a fixture is made from, so an edit to them never reuses an older file. */
function sourcesKey(): string {
  const hash = createHash("sha256").update(`${process.version} ${process.versions.modules}\n`);
  for (const file of SOURCES.flatMap((d) => filesUnder(join(ROOT, d)))) hash.update(`${relative(ROOT, file)}\n`).update(readFileSync(file));
  return hash.digest("hex").slice(0, 16);
}

/**
 * A big fixture (`writeFixture`) shared by the test files that only copy it: written by the first
 * file that asks, in the OS temp folder, and reused by the others of the run (and later runs of
 * the same sources) instead of each spending seconds writing the same 200,000 rows. Never open
 * it in place: copy it (a connection would leave -wal/-shm beside it, a write would change it for
 * every other file). Versions of other sources are removed once unused for a day.
 */
export async function sharedFixture(options: { level: number; rows: number; seed?: number }): Promise<string> {
  const root = join(tmpdir(), `scc-shared-fixtures-${userInfo().uid}`);
  const key = sourcesKey();
  const dir = join(root, key);
  const path = join(dir, `level${options.level}-${options.rows}-${options.seed ?? "default"}.sqlite`);
  mkdirSync(dir, { recursive: true });
  // Marks this version as in use. Other versions go once unused for a day: another checkout of the
  // project on this machine (other sources, another key) may be copying its own right now.
  const now = new Date();
  utimesSync(dir, now, now);
  for (const other of readdirSync(root)) {
    const at = join(root, other);
    const seen = statSync(at, { throwIfNoEntry: false });
    if (other !== key && seen !== undefined && now.getTime() - seen.mtimeMs > DAY_MS) rmSync(at, { recursive: true, force: true });
  }
  if (existsSync(path)) return path;
  try {
    // Written aside and linked into place when complete: the name never holds half a file.
    await writeFixture({ out: path, ...options });
  } catch (error) {
    // Another test file (the other fork) published it first: the same rows.
    if (!(error instanceof StateError && error.code === "E_STATE_IO" && existsSync(path))) throw error;
  }
  return path;
}
