import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import type { TestProject } from "vitest/node";
import { projectProtoRoot, resolveBufBinary } from "../../src/compat/index.js";
import setup, { BUILDS_FOLDER, type ChildBuild } from "./child-build/global-setup.js";
import { PROJECT_ROOT, runCli } from "./cli.js";
import { compiledPath, nodeArgs } from "./node-args.js";
import { runScript } from "./script-child.js";
import { tempDir } from "./temp-dir.js";

/** What `find` returns, or the code it throws (as child-build/location-probe.ts reports it). */
function outcome(find: () => string): string {
  try {
    return find();
  } catch (error) {
    return `threw ${(error as { code?: string }).code ?? String(error)}`;
  }
}

describe("child processes run this run's compiled copy of the sources", () => {
  test("a compiled module finds what its source finds: import.meta.url, dirname and filename are the source's, and so are the proto folders, buf and better-sqlite3 that src/ code locates from them", async () => {
    const probe = "test/support/child-build/location-probe.ts";
    const r = await runScript(probe);
    expect(r.code, r.stderr).toBe(0);
    const source = join(PROJECT_ROOT, probe);
    expect(JSON.parse(r.stdout)).toEqual({
      url: pathToFileURL(source).href,
      dirname: dirname(source),
      filename: source,
      protoRoot: projectProtoRoot(),
      buf: outcome(() => resolveBufBinary()),
      sqlite: createRequire(import.meta.url).resolve("better-sqlite3"),
    });
  });

  test("the CLI as a child prints the package's version (src/cli/main.ts reads package.json relative to itself), from the compiled run.js with no loader", async () => {
    const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string };
    expect(await runCli(["--version"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    const args = nodeArgs("src/cli/run.ts");
    expect(args).toEqual([compiledPath("src/cli/run.ts")]);
    expect(args[0]).toMatch(/\.js$/);
    expect(existsSync(args[0] as string)).toBe(true);
  });

  test("a file with no compiled copy is refused, saying what is compiled, instead of a child failing to start", () => {
    for (const file of ["test/support/child-build.test.ts", "README.md", "src/cli/no-such-file.ts", "../elsewhere/x.ts"]) {
      expect(() => nodeArgs(file), file).toThrow(/has no compiled copy .*only \.ts files under src\/, migrations\/, scripts\/ and test\/ \(not \*\.test\.ts\)/);
    }
  });
});

/** A project of two modules (src/main.ts prints src/word.ts's word) and a fake vitest project for the setup. */
function smallProject(): { root: string; project: TestProject; build: () => ChildBuild; rerun: () => Promise<void>; run: () => string } {
  const root = tempDir("scc-child-build-");
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "child-build-probe", type: "module" }));
  writeFileSync(join(root, "tsconfig.json"), readFileSync(join(PROJECT_ROOT, "tsconfig.json")));
  mkdirSync(join(root, "src"));
  writeFileSync(join(root, "src", "main.ts"), 'import { word } from "./word.js";\nprocess.stdout.write(word);\n');
  writeFileSync(join(root, "src", "word.ts"), 'export const word: string = "before";\n');
  let provided: ChildBuild | undefined;
  let onRerun: (() => Promise<void>) | undefined;
  const project = {
    vitest: { config: { root } },
    provide: (key: string, value: ChildBuild) => (provided = key === "childBuild" ? value : provided),
    onTestsRerun: (cb: () => Promise<void>) => (onRerun = cb),
  } as unknown as TestProject;
  const build = (): ChildBuild => provided ?? expect.fail("the setup provided no childBuild");
  const run = (): string => {
    const r = spawnSync(process.execPath, [join(build().out, "src", "main.js")], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  return { root, project, build, run, rerun: () => (onRerun ?? expect.fail("no rerun handler"))() };
}

describe("the global setup compiles the sources as they are when a run starts", () => {
  test("an edit between two runs is what the second run's children execute, an edit before a watch-mode rerun is what the rerun's execute, and each run's copy is gone after it", async () => {
    const p = smallProject();
    const first = await setup(p.project);
    expect(p.run()).toBe("before");
    const firstOut = p.build().out;
    writeFileSync(join(p.root, "src", "word.ts"), 'export const word: string = "edited";\n');
    await p.rerun();
    expect(p.run()).toBe("edited");
    first();
    expect(existsSync(firstOut)).toBe(false);

    writeFileSync(join(p.root, "src", "word.ts"), 'export const word: string = "next run";\n');
    const second = await setup(p.project);
    expect(p.build().out).not.toBe(firstOut);
    expect(p.run()).toBe("next run");
    second();
    expect(existsSync(p.build().out)).toBe(false);
  });

  test("a source deleted since the last run has no compiled copy left to run", async () => {
    const p = smallProject();
    writeFileSync(join(p.root, "src", "old.ts"), "process.stdout.write('old');\n");
    const first = await setup(p.project);
    expect(existsSync(join(p.build().out, "src", "old.js"))).toBe(true);
    first();
    rmSync(join(p.root, "src", "old.ts"));
    const second = await setup(p.project);
    expect(existsSync(join(p.build().out, "src", "old.js"))).toBe(false);
    second();
  });

  test("the copies of a run whose vitest process is gone (killed before its teardown) are removed; a running one's are left alone", async () => {
    const p = smallProject();
    const builds = join(p.root, BUILDS_FOLDER);
    // 2^31 - 2 is above any pid Linux hands out (at most 2^22), so no process has it.
    const dead = join(builds, "run-2147483646-x");
    const live = join(builds, `run-${process.ppid}-y`);
    mkdirSync(join(dead, "src"), { recursive: true });
    mkdirSync(join(live, "src"), { recursive: true });
    const teardown = await setup(p.project);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    teardown();
    expect(existsSync(live)).toBe(true);
  });
});
