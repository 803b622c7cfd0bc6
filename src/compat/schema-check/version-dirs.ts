import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SchemaCheckError } from "./schema-check-error.js";

export interface VersionDir {
  readonly version: number;
  /** `v2` */
  readonly label: string;
  readonly dir: string;
}

const PACKAGE_NAME = "status-codex-compat";
const VERSION_FOLDER = /^v([1-9][0-9]*)$/;

/** `proto/status/storage` of this package, found by walking up to its package.json (works from src/ and dist/). */
export function projectProtoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === PACKAGE_NAME) {
          return join(dir, "proto", "status", "storage");
        }
      } catch {
        // not ours or unreadable: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new SchemaCheckError("E_SCHEMA_DIR_INVALID", `cannot find the ${PACKAGE_NAME} package root to locate its proto folders; pass --root`);
    }
    dir = parent;
  }
}

/**
 * Whether a `vN` entry is a folder. One that cannot be looked at (a link to nothing, no permission)
 * is refused, naming it: skipped, the versions around it were compared as neighbours; thrown as
 * is, it ended the command as an internal error.
 */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    throw new SchemaCheckError("E_SCHEMA_DIR_INVALID", `schema version folder ${path} cannot be looked at (${code}${code === "ENOENT" ? ": a link to nothing?" : ""}); fix or remove it`, {
      cause: error,
      details: { path },
    });
  }
}

/** The `vN` folders under `root`, in protocol order. */
export function listVersionDirs(root: string): VersionDir[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (error) {
    throw new SchemaCheckError("E_SCHEMA_DIR_INVALID", `schema root ${root} cannot be read: ${(error as Error).message}`, {
      cause: error,
      details: { root },
    });
  }
  const versions = names
    .map((name) => ({ name, match: VERSION_FOLDER.exec(name) }))
    .filter((x): x is { name: string; match: RegExpExecArray } => x.match !== null && isFolder(join(root, x.name)))
    .map(({ name, match }) => ({ version: Number(match[1]), label: name, dir: join(root, name) }))
    .sort((a, b) => a.version - b.version);
  if (versions.length === 0) {
    throw new SchemaCheckError("E_SCHEMA_DIR_INVALID", `schema root ${root} has no vN folders`, { details: { root } });
  }
  return versions;
}

/**
 * Refuses versions with one missing between two (v1 and v3 without v2): compared as neighbours, a
 * release engineer read "v1 -> v3: clean" as N and N+1 checked, while the pair the promise is about
 * (v1 -> v2, v2 -> v3) never ran, and N and N+2 may break anyway. A refusal, not a warning: the
 * check asked for did not run (exit 2), and a warning under a passing exit is what CI ignores.
 */
export function requireContiguous(versions: readonly VersionDir[], root: string): void {
  for (let i = 1; i < versions.length; i++) {
    const older = versions[i - 1]!;
    const newer = versions[i]!;
    if (newer.version === older.version + 1) continue;
    const missing = Array.from({ length: newer.version - older.version - 1 }, (_, k) => `v${older.version + 1 + k}`);
    throw new SchemaCheckError(
      "E_SCHEMA_DIR_INVALID",
      `schema root ${root} has ${older.label} and ${newer.label} but ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing: adjacent versions cannot be checked across the gap (${older.label} -> ${newer.label} is not N -> N+1); restore ${missing.join(", ")}, or check a range on one side of it with --from/--to`,
      { details: { root, missing } },
    );
  }
}

export function versionDir(root: string, version: number): VersionDir {
  const found = listVersionDirs(root).find((v) => v.version === version);
  if (found === undefined) {
    const known = listVersionDirs(root).map((v) => v.label).join(", ");
    throw new SchemaCheckError("E_SCHEMA_DIR_INVALID", `no folder v${version} under ${root} (found ${known})`, {
      details: { root, version },
    });
  }
  return found;
}
