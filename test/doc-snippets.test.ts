import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./support/cli.js";
import { cachePath, incrementalTsc } from "./support/incremental-tsc.js";
import { tempDir } from "./support/temp-dir.js";

/**
 * The documents whose TypeScript examples users copy: the README and every page under docs/ (a
 * page that gains its first example is checked without an edit here).
 */
const DOCUMENTS = ["README.md", ...readdirSync(join(PROJECT_ROOT, "docs")).filter((name) => name.endsWith(".md")).sort().map((name) => `docs/${name}`)];

/** The documents that have examples now; one that lost them all (a renamed fence) would check nothing. */
const WITH_EXAMPLES = ["README.md", "docs/storage.md", "docs/state.md", "docs/wire.md", "docs/codex-backend.md"];

/**
 * Names the examples use without defining them (what the application has at hand). Declared
 * globally, so an example that defines one itself simply shadows it.
 */
const APPLICATION_NAMES = `
declare const peerRange: import("${srcIndex()}").VersionRange | undefined;
declare const size: number;
declare const received: Uint8Array;
declare const bytes: Uint8Array;
declare const bytesOrAsyncIterable: Uint8Array | AsyncIterable<Uint8Array>;
declare const fileRef: import("${srcIndex()}").FileReference;
declare const sender: import("${srcIndex()}").Capabilities;
declare const fallbackText: string;
declare const logger: import("${srcIndex()}").Logger;
declare const signal: AbortSignal;
declare const viewer: { push(chunk: Uint8Array): void };
declare function render(progress: unknown): void;
`;

function srcIndex(): string {
  return join(PROJECT_ROOT, "src", "index.js");
}

interface Snippet {
  readonly doc: string;
  readonly line: number;
  readonly code: string;
}

function snippetsOf(doc: string): Snippet[] {
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

/**
 * The package name points at this checkout's sources (src/index.ts is what the package exports). An
 * example without imports goes on from an earlier one in its document: it gets the package's exports it names.
 */
function asModule(snippet: Snippet, exported: readonly string[]): string {
  const code = snippet.code.replaceAll(/from "status-codex-compat"/g, `from "${srcIndex()}"`);
  const named = /^import /m.test(code) ? [] : exported.filter((name) => new RegExp(`\\b${name}\\b`).test(code));
  const imports = named.length === 0 ? "" : `import { ${named.join(", ")} } from "${srcIndex()}";\n`;
  return `${imports}${code}\nexport {};\n`;
}

describe("documentation examples", () => {
  it("every TypeScript example in the README and docs type-checks against the current exports", async () => {
    const snippets = DOCUMENTS.flatMap(snippetsOf);
    const exported = Object.keys(await import("../src/index.js"));
    // Each of those keeps at least one example; a renamed fence would otherwise check nothing.
    const documented = new Set(snippets.map((s) => s.doc));
    expect(WITH_EXAMPLES.filter((doc) => !documented.has(doc))).toEqual([]);
    // A user copies an example into an application that has the package, not this checkout: an
    // import from a path of the repository (docs/codex-backend.md's "./src/storage/backends/codex/index.js")
    // resolves nowhere there, and one that reaches past the entry finds what the package does not export.
    const imports = snippets.flatMap((s) => [...s.code.matchAll(/\bfrom "([^"]+)"/g)].map((m) => ({ at: `${s.doc}:${s.line}`, from: m[1] as string })));
    expect(imports.filter((i) => i.from !== "status-codex-compat" && !i.from.startsWith("node:"))).toEqual([]);

    const dir = tempDir("doc-snippets-");
    const files = snippets.map((snippet, i) => {
      const name = `${String(i).padStart(2, "0")}-${snippet.doc.replaceAll(/[/.]/g, "_")}-L${snippet.line}.mts`;
      writeFileSync(join(dir, name), asModule(snippet, exported));
      return name;
    });
    // The globals at one path with one text from run to run: a new or changed file of globals
    // has tsc check every file again, the sources the examples import too. Written aside and
    // renamed: another run may be reading it.
    const application = `${cachePath("doc-snippets-application")}.d.ts`;
    if (!existsSync(application) || readFileSync(application, "utf8") !== APPLICATION_NAMES) {
      writeFileSync(`${application}.${process.pid}.tmp`, APPLICATION_NAMES);
      renameSync(`${application}.${process.pid}.tmp`, application);
    }
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2023"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: true,
          noEmit: true,
          types: ["node"],
          typeRoots: [join(PROJECT_ROOT, "node_modules", "@types")],
        },
        files: [application, ...files],
      }),
    );
    // Incremental: the sources the examples import are checked again only where they changed
    // (the examples themselves, in a new folder each run, always are).
    const r = await incrementalTsc("doc-snippets", ["-p", "tsconfig.json", "--pretty", "false"], dir);
    expect(r.status, r.output).not.toBeNull();
    // Errors inside the sources are the typecheck test's job; any other (an example's, the
    // configuration's) fails here.
    const srcDir = join(PROJECT_ROOT, "src");
    const errors = r.output.split("\n").filter((line) => line.includes("error TS"));
    const notInSources = errors.filter((line) => !resolve(dir, line.split("(")[0] ?? "").startsWith(srcDir));
    expect(notInSources).toEqual([]);
  }, 200_000);
});
