/**
 * What the doc-consistency tests (test/doc-*.test.ts) read: the pages users read before the code,
 * and the facts of the code those pages state (error codes and their layers). Read from the files,
 * as a person reads them, so a page or a source that moves fails loudly here rather than checking
 * nothing.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (as test/support/cli.ts has it; not imported from there, which loads vitest and the CLI's helpers). */
const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A file of the repository, as text. */
export function readPage(file: string): string {
  return readFileSync(join(PROJECT_ROOT, file), "utf8");
}

/** README.md and every docs/*.md, by their repository paths. */
export function docPages(): string[] {
  const docs = readdirSync(join(PROJECT_ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs];
}

/**
 * The part of `page` under the heading `heading` (its exact text, any level), up to the next
 * heading of the same or a higher level. Throws when the page has no such heading, so a renamed
 * section fails the test that reads it instead of leaving it nothing to compare.
 */
export function section(page: string, heading: string): string {
  const text = readPage(page);
  const lines = text.split("\n");
  let start = -1;
  let level = 0;
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith("```")) inFence = !inFence;
    if (inFence) continue;
    const m = /^(#+) (.*)$/.exec(line);
    if (m === null) continue;
    if (start < 0) {
      if (m[2] === heading) {
        start = i + 1;
        level = (m[1] as string).length;
      }
    } else if ((m[1] as string).length <= level) {
      return lines.slice(start, i).join("\n");
    }
  }
  if (start < 0) throw new Error(`${page} has no heading "${heading}"`);
  return lines.slice(start).join("\n");
}

/** The rows of the first Markdown table in `text` whose header row starts with `header` (e.g. "| code |"), as cells. */
export function tableRows(text: string, header: string, where: string): string[][] {
  const lines = text.split("\n");
  const at = lines.findIndex((line) => line.startsWith(header));
  if (at < 0) throw new Error(`${where} has no table headed "${header}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(splitRow(line));
  }
  return rows;
}

/** A table row's cells, trimmed; a `\|` inside a cell is not a separator. */
function splitRow(line: string): string[] {
  const cells = line.replace(/^\|/, "").replace(/\|\s*$/, "").split(/(?<!\\)\|/);
  return cells.map((cell) => cell.trim());
}

export interface ErrorCodeSource {
  /** The source file, from the repository root. */
  readonly file: string;
  /** The class's `layer` (what the CLI maps an exit status from when the code has none of its own). */
  readonly layer: string;
  /** The union's name, e.g. StorageErrorCode. */
  readonly union: string;
  readonly codes: readonly string[];
}

/**
 * Every error class's code union under src/ (`src/<layer>/…-error.ts` declaring
 * `export type …Code = "E_…" | …` and `readonly layer = "…"`): a type has no runtime list, so the
 * source is read, its comments left out.
 */
export function errorCodeSources(): ErrorCodeSource[] {
  const files = readdirSync(join(PROJECT_ROOT, "src"), { recursive: true, encoding: "utf8" })
    .map((name) => name.split("\\").join("/"))
    .filter((name) => name.endsWith("-error.ts"))
    .sort();
  const found: ErrorCodeSource[] = [];
  for (const name of files) {
    const file = `src/${name}`;
    const source = readPage(file).replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    const union = /export type (\w+Code) =([^;]*);/.exec(source);
    if (union === null) continue;
    const layer = /readonly layer = "(\w+)" as const/.exec(source)?.[1];
    if (layer === undefined) throw new Error(`${file} declares ${union[1]} but no class with a layer`);
    const codes = [...(union[2] as string).matchAll(/"(E_[A-Z0-9_]+)"/g)].map((m) => m[1] as string);
    found.push({ file, layer, union: union[1] as string, codes });
  }
  return found;
}
