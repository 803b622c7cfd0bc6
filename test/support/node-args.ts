import { existsSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { inject } from "vitest";

export interface NodeArgsOptions {
  /** TypeScript modules loaded before the script (`--import`), as a test's stand-in check. */
  readonly preload?: readonly string[];
}

/**
 * The compiled copy, made for this run by test/support/child-build/global-setup.ts, of the
 * project's TypeScript file `file` (relative to the project root, or absolute).
 */
export function compiledPath(file: string): string {
  const build = inject("childBuild");
  if (build === undefined) {
    throw new Error("no compiled sources for child processes: run the tests through vitest with vitest.config.ts, whose globalSetup compiles them");
  }
  const source = isAbsolute(file) ? file : resolve(build.root, file);
  const rel = relative(build.root, source);
  const target = join(build.out, rel).replace(/\.ts$/, ".js");
  if (!source.endsWith(".ts") || rel.startsWith("..") || !existsSync(target)) {
    throw new Error(`${file} has no compiled copy in ${build.out}: only .ts files under src/, migrations/, scripts/ and test/ (not *.test.ts) are compiled`);
  }
  return target;
}

/** `--import` of the compiled `file`, for NODE_OPTIONS (a URL: no space to split on). */
export function preloadOption(file: string): string {
  return `--import ${pathToFileURL(compiledPath(file)).href}`;
}

/**
 * The node arguments that run the project's TypeScript script `script` (relative to the project
 * root, or absolute) from this run's compiled JavaScript; its own arguments follow them. Half the
 * start of `node --import tsx` (no loader, no compilation in the child), and the same code: the
 * copy is compiled from the sources when the run starts and sees their paths as its own.
 * Node options go before: `[flag, ...nodeArgs(script), ...args]`. Stack traces name the compiled
 * files; `NODE_OPTIONS=--enable-source-maps npx vitest run …` maps them to the sources (the copies
 * carry inline maps; not on by default: it makes every start slower).
 */
export function nodeArgs(script: string, options: NodeArgsOptions = {}): string[] {
  const preload = (options.preload ?? []).flatMap((file) => ["--import", pathToFileURL(compiledPath(file)).href]);
  return [...preload, compiledPath(script)];
}
