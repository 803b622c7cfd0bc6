import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "./cli.js";

/**
 * The documents whose TypeScript examples users copy: the README and every page under docs/ (a
 * page that gains its first example is checked without an edit here).
 */
export const DOCUMENTS = ["README.md", ...readdirSync(join(PROJECT_ROOT, "docs")).filter((name) => name.endsWith(".md")).sort().map((name) => `docs/${name}`)];

/**
 * Names the examples use without defining them (what the application has at hand). A module the
 * example imports what it uses of from, not globals: the examples are checked in one program with
 * the project (test/support/project-tsc.ts), whose files must not see an undeclared `signal` or
 * `logger` as defined. An example that defines one itself does not import it.
 */
const APPLICATION_NAMES = `
export declare const peerRange: import("${srcIndex()}").VersionRange | undefined;
export declare const size: number;
export declare const received: Uint8Array;
export declare const bytes: Uint8Array;
export declare const bytesOrAsyncIterable: Uint8Array | AsyncIterable<Uint8Array>;
export declare const fileRef: import("${srcIndex()}").FileReference;
export declare const sender: import("${srcIndex()}").Capabilities;
export declare const fallbackText: string;
export declare const logger: import("${srcIndex()}").Logger;
export declare const signal: AbortSignal;
export declare const viewer: { push(chunk: Uint8Array): void };
export declare function render(progress: unknown): void;
export declare const secretKey: Uint8Array;
export declare const descriptionBytes: Uint8Array;
export declare const nextClock: number;
`;

const APPLICATION_MODULE = "application";

function srcIndex(): string {
  return join(PROJECT_ROOT, "src", "index.js");
}

export interface Snippet {
  readonly doc: string;
  /** The line of the example's first line in its document. */
  readonly line: number;
  readonly code: string;
}

export function snippetsOf(doc: string): Snippet[] {
  const lines = readFileSync(join(PROJECT_ROOT, doc), "utf8").split("\n");
  const found: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== "```ts") continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]?.trim() !== "```") end++;
    found.push({ doc, line: start + 1, code: lines.slice(start, end).join("\n") });
    i = end;
  }
  return found;
}

/** Whether `code` declares `name` itself (a const, let, var, function or class of that name). */
function declares(code: string, name: string): boolean {
  return new RegExp(`\\b(?:const|let|var|function|class)\\s+${name}\\b`).test(code);
}

/**
 * The package name points at this checkout's sources (src/index.ts is what the package exports). An
 * example without imports goes on from an earlier one in its document: it gets the package's exports it names.
 */
function asModule(snippet: Snippet, exported: readonly string[]): string {
  const code = snippet.code.replaceAll(/from "status-codex-compat"/g, `from "${srcIndex()}"`);
  const uses = (name: string): boolean => new RegExp(`\\b${name}\\b`).test(code) && !declares(code, name);
  const named = /^import /m.test(code) ? [] : exported.filter(uses);
  const application = [...APPLICATION_NAMES.matchAll(/export declare (?:const|function) (\w+)/g)].map((m) => m[1] as string).filter(uses);
  const imports = [
    named.length === 0 ? "" : `import { ${named.join(", ")} } from "${srcIndex()}";\n`,
    application.length === 0 ? "" : `import { ${application.join(", ")} } from "./${APPLICATION_MODULE}.mjs";\n`,
  ].join("");
  return `${imports}${code}\nexport {};\n`;
}

/**
 * Writes each example of `snippets` into `dir` as a module of its own (named for its document and
 * line, which tsc's diagnostics then show), with the module of application names; returns their paths.
 */
export function writeSnippetFiles(dir: string, snippets: readonly Snippet[], exported: readonly string[]): string[] {
  const application = join(dir, `${APPLICATION_MODULE}.d.mts`);
  writeFileSync(application, APPLICATION_NAMES);
  const files = snippets.map((snippet, i) => {
    const file = join(dir, `${String(i).padStart(2, "0")}-${snippet.doc.replaceAll(/[/.]/g, "_")}-L${snippet.line}.mts`);
    writeFileSync(file, asModule(snippet, exported));
    return file;
  });
  return [application, ...files];
}
