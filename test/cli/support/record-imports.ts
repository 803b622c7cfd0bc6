/**
 * Preload (`--import`) for a CLI child process: every module the process resolves is appended, one
 * URL a line, to the file named by SCC_IMPORTS_LOG, from a resolve hook on the loader's thread.
 */
import { register } from "node:module";

const HOOK = `
import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.SCC_IMPORTS_LOG, resolved.url + "\\n");
  return resolved;
}
`;

if (process.env.SCC_IMPORTS_LOG === undefined) throw new Error("record-imports: set SCC_IMPORTS_LOG to the file to write to");
register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
