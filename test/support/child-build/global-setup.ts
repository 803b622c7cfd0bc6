import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { compileForChildren } from "./compile.js";
import { processAlive } from "../process-alive.js";

/** Where each `vitest` process compiles the sources for its child processes (git-ignored). */
export const BUILDS_FOLDER = ".test-build";

/** What the tests of a run learn from `inject("childBuild")`: the root compiled and the folder. */
export interface ChildBuild {
  readonly root: string;
  readonly out: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    childBuild: ChildBuild;
  }
}

/** Folders left by runs that were killed before their teardown (their vitest process is gone). */
function removeOrphans(builds: string): void {
  for (const name of readdirSync(builds)) {
    const pid = /^run-([0-9]+)-/.exec(name)?.[1];
    if (pid !== undefined && Number(pid) !== process.pid && !processAlive(Number(pid))) rmSync(join(builds, name), { recursive: true, force: true });
  }
}

// A vitest process with several projects calls this once per project: one build serves them all.
let shared: { build: ChildBuild; ready: Promise<unknown>; users: number } | undefined;

/**
 * vitest globalSetup: compiles src/, migrations/, scripts/ and the test support files to JavaScript
 * once per `vitest` run, before any test, into a folder of its own, so a child process starts with
 * plain `node` (half the start of `node --import tsx`) and runs exactly the sources as they are
 * when the run began. The folder is this process's alone (seven people may run the suite in one
 * checkout at once: a shared one would be rewritten under another run's children) and removed at
 * the end; a watch-mode rerun compiles again first, so an edit is never tested by an old copy.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  if (shared === undefined) {
    const root = project.vitest.config.root;
    const builds = join(root, BUILDS_FOLDER);
    mkdirSync(builds, { recursive: true });
    removeOrphans(builds);
    const out = join(builds, `run-${process.pid}-${Date.now().toString(36)}`);
    const build = { root, out };
    const made = { build, ready: compileForChildren(build) as Promise<unknown>, users: 0 };
    shared = made;
    // The handler is the vitest process's, not a project's: registered once, it compiles once.
    project.onTestsRerun(async () => {
      rmSync(made.build.out, { recursive: true, force: true });
      made.ready = compileForChildren(made.build);
      await made.ready;
    });
  }
  const mine = shared;
  mine.users++;
  await mine.ready;
  project.provide("childBuild", mine.build);
  return () => {
    if (--mine.users > 0) return;
    rmSync(mine.build.out, { recursive: true, force: true });
    if (shared === mine) shared = undefined;
  };
}
