import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { inject } from "vitest";
import { PROJECT_ROOT } from "./cli.js";
import { DOCUMENTS, snippetsOf, writeSnippetFiles } from "./doc-snippet-files.js";
import { incrementalTsc } from "./incremental-tsc.js";

export interface ProjectTsc {
  /** tsc's exit status; null when it was killed (the timeout). */
  readonly status: number | null;
  /** Diagnostics on the project's files (and on none: tsc's own), each with its continuation lines. */
  readonly project: readonly string[];
  /** Diagnostics on the documents' examples (their files are named for the document and line). */
  readonly examples: readonly string[];
}

/** tsc's timeout, and how long the other file waits for its result. */
const TSC_TIMEOUT_MS = 180_000;

/**
 * One tsc per vitest run for test/typecheck.test.ts and test/doc-snippets.test.ts: the project
 * (tsconfig.json: src, migrations, test, bench, scripts) and every TypeScript example of the README
 * and docs/ in one program, each file's diagnostics handed to the test it belongs to. Two runs read,
 * bound and checked src/ twice (the examples import the package's entry, which reaches most of it):
 * about 10 s each from scratch on 2 cores. Whichever of the two files asks first runs it; the other,
 * in the other fork or after it in the same, reads the result from the run's folder (the
 * child-build one, test/support/child-build/global-setup.ts: one per vitest process, made again
 * for a watch-mode rerun). The examples are checked with the project's options, which are the
 * stricter (they add noImplicitOverride, noFallthroughCasesInSwitch and isolatedModules).
 */
export async function projectTsc(): Promise<ProjectTsc> {
  const build = inject("childBuild");
  if (build === undefined) throw new Error("no run folder: run the tests through vitest with vitest.config.ts, whose globalSetup makes it");
  const dir = join(build.out, "project-tsc");
  const result = join(dir, "result.json");
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(join(dir, "owner"), String(process.pid), { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    for (const started = Date.now(); !existsSync(result); await sleep(100)) {
      if (Date.now() - started > TSC_TIMEOUT_MS + 10_000) throw new Error(`the run's tsc (started by process ${readFileSync(join(dir, "owner"), "utf8")}) left no result in ${dir}`);
    }
    return JSON.parse(readFileSync(result, "utf8")) as ProjectTsc;
  }
  const checked = await check(dir);
  writeFileSync(`${result}.tmp`, JSON.stringify(checked));
  renameSync(`${result}.tmp`, result);
  return checked;
}

async function check(dir: string): Promise<ProjectTsc> {
  const examples = join(dir, "examples");
  mkdirSync(examples);
  const exported = Object.keys(await import("../../src/index.js"));
  const files = writeSnippetFiles(examples, DOCUMENTS.flatMap(snippetsOf), exported);
  const base = JSON.parse(readFileSync(join(PROJECT_ROOT, "tsconfig.json"), "utf8")) as { include: string[] };
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: join(PROJECT_ROOT, "tsconfig.json"),
      compilerOptions: { noEmit: true },
      include: base.include.map((path) => join(PROJECT_ROOT, path)),
      files,
    }),
  );
  // Incremental (test/support/incremental-tsc.ts): a rerun checks what changed; the examples, in
  // a new folder each run, always are.
  const r = await incrementalTsc("project-tsc", ["-p", join(dir, "tsconfig.json"), "--pretty", "false"], PROJECT_ROOT, TSC_TIMEOUT_MS);
  const diagnostics: string[] = [];
  for (const line of r.output.split("\n")) {
    if (line.trim() === "") continue;
    // A diagnostic's further lines are indented.
    if (/^\s/.test(line) && diagnostics.length > 0) diagnostics[diagnostics.length - 1] += `\n${line}`;
    else diagnostics.push(line);
  }
  const ofExamples = (diagnostic: string): boolean => diagnostic.startsWith(relative(PROJECT_ROOT, examples));
  return { status: r.status, project: diagnostics.filter((d) => !ofExamples(d)), examples: diagnostics.filter(ofExamples) };
}
