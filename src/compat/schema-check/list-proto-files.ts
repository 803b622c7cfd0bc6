import { readdirSync, realpathSync, statSync, type Stats } from "node:fs";
import { join, relative, sep } from "node:path";
import { SchemaCheckError } from "./schema-check-error.js";

/** More files than any protocol folder should hold; past it the folder is not what was meant. */
const MAX_FILES = 2000;

/**
 * Every `.proto` file under `dir` (recursively, skipping dot-folders and node_modules), as paths
 * relative to `dir` with `/` separators, sorted. Throws E_SCHEMA_DIR_INVALID when `dir` is not a
 * folder or holds none.
 */
export function listProtoFiles(dir: string): string[] {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (error) {
    throw new SchemaCheckError("E_SCHEMA_DIR_INVALID", `schema folder ${dir} does not exist`, { cause: error, details: { dir } });
  }
  if (!isDir) throw new SchemaCheckError("E_SCHEMA_DIR_INVALID", `${dir} is not a folder`, { details: { dir } });

  const found: string[] = [];
  // Links are followed, as buf follows them (a file kept once and linked from the next version's
  // folder): skipped, its messages were missing from the rules' model, which reported them removed.
  // A folder is walked once by its real path, so a link back to one already walked is no loop.
  const walked = new Set<string>();
  const walk = (current: string): void => {
    const real = realpathSync(current);
    if (walked.has(real)) return;
    walked.add(real);
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const path = join(current, entry.name);
      const kind = entry.isSymbolicLink() ? linkTarget(path) : entry;
      if (kind.isDirectory()) walk(path);
      else if (kind.isFile() && entry.name.endsWith(".proto")) found.push(relative(dir, path).split(sep).join("/"));
      if (found.length > MAX_FILES) {
        throw new SchemaCheckError("E_SCHEMA_DIR_INVALID", `${dir} holds more than ${MAX_FILES} .proto files; point at one version folder`, {
          details: { dir },
        });
      }
    }
  };
  walk(dir);
  if (found.length === 0) {
    throw new SchemaCheckError("E_SCHEMA_DIR_INVALID", `schema folder ${dir} holds no .proto file`, { details: { dir } });
  }
  return found.sort();
}

/** What a link leads to; a link to nothing is refused, naming it, rather than skipped. */
function linkTarget(path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    throw new SchemaCheckError("E_SCHEMA_DIR_INVALID", `${path} is a link that cannot be followed (${code}); fix or remove it`, { cause: error, details: { path } });
  }
}
