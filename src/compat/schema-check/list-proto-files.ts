import { readdirSync, statSync } from "node:fs";
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
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith(".proto")) found.push(relative(dir, path).split(sep).join("/"));
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
