import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Esbuild from "esbuild";

/** The folders of the project whose TypeScript a child process may run or import. */
export const CHILD_SOURCE_DIRS: readonly string[] = ["src", "migrations", "scripts", "test"];

export interface CompileOptions {
  /** The project root: `dirs` are under it, and its tsconfig.json sets how TypeScript is lowered. */
  readonly root: string;
  /** An empty (or absent) folder under `root` that receives `<dir>/<path>.js` for each `<dir>/<path>.ts`. */
  readonly out: string;
  readonly dirs?: readonly string[];
}

export interface CompileResult {
  /** Files written: compiled TypeScript and copied data files (a JSON a module imports). */
  readonly files: number;
}

// esbuild is the transformer vite (vitest's own) and tsx already use, so this adds no dependency.
// Resolved through vite, the package that needs it, so a copy npm nests there is found as well.
function loadEsbuild(): typeof Esbuild {
  const fromHere = createRequire(import.meta.url);
  return createRequire(fromHere.resolve("vite/package.json"))("esbuild") as typeof Esbuild;
}

/** Every file under `dir`, recursively, skipping node_modules and dot folders. */
function walk(dir: string, into: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, into);
    else if (entry.isFile()) into.push(path);
  }
  return into;
}

/**
 * Compiles the project's TypeScript to JavaScript that node runs without a loader, one output file
 * per source at the same relative path under `out`, imports untouched (`./x.js` finds the compiled
 * `x.js` beside it, a bare name the root's node_modules, which is above `out`).
 *
 * What a module learns about its own location is the source's: `import.meta.url`, `dirname` and
 * `filename` are replaced by the values they have for the `.ts` file, so everything found relative
 * to them (package.json, proto/, fixtures, `createRequire`) is what the sources find under tsx and
 * a test proves the code it names. Stack traces map back to the sources with `--enable-source-maps`
 * (inline maps). Each module is transformed alone, as tsx does (no bundling: module identity and
 * load order stay the sources'), lowered for the running node with the project's tsconfig.
 */
export async function compileForChildren(options: CompileOptions): Promise<CompileResult> {
  const esbuild = loadEsbuild();
  const tsconfigRaw = readFileSync(join(options.root, "tsconfig.json"), "utf8");
  const sources = (options.dirs ?? CHILD_SOURCE_DIRS).flatMap((dir) => (existsSync(join(options.root, dir)) ? walk(join(options.root, dir)) : []));
  const created = new Set<string>();
  const outPath = (source: string, ext: string): string => {
    const target = join(options.out, relative(options.root, source)).replace(/\.ts$/, ext);
    const folder = dirname(target);
    if (!created.has(folder)) {
      mkdirSync(folder, { recursive: true });
      created.add(folder);
    }
    return target;
  };
  let files = 0;
  await Promise.all(
    sources.map(async (source) => {
      if (source.endsWith(".d.ts")) return;
      // A test file is never a child's entry nor imported by one.
      if (source.endsWith(".test.ts")) return;
      if (!source.endsWith(".ts")) {
        // Data a module imports by a relative path (src/versions/releases.json).
        if (source.endsWith(".json")) {
          copyFileSync(source, outPath(source, ""));
          files++;
        }
        return;
      }
      const url = pathToFileURL(source).href;
      const result = await esbuild.transform(readFileSync(source, "utf8"), {
        loader: "ts",
        format: "esm",
        target: `node${process.versions.node}`,
        tsconfigRaw,
        sourcemap: "inline",
        sourcefile: source,
        define: {
          "import.meta.url": JSON.stringify(url),
          "import.meta.dirname": JSON.stringify(dirname(source)),
          "import.meta.filename": JSON.stringify(source),
        },
      });
      writeFileSync(outPath(source, ".js"), result.code);
      files++;
    }),
  );
  return { files };
}
