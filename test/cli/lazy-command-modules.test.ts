/**
 * The CLI loads a command's module, and the layers it brings (the storage client, SQLite and umzug,
 * the compatibility matrix, protobufjs, pino), only for the command asked for: `--help` and a usage
 * error took 0.5-0.9 s loading every command's layers, now about 0.13 s against 0.10 s for an empty
 * node (see bench/RESULTS.md, cli). Read from a child process's resolve hook: what it loaded.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { spawnCollecting } from "../support/cli.js";
import { nodeArgs } from "../support/node-args.js";
import { tempDir } from "../support/temp-dir.js";

const RECORD = join(import.meta.dirname, "support", "record-imports.ts");

/** Layers of the package (src/<layer>/) and packages a child loaded for `args`. */
async function loaded(args: string[]): Promise<{ code: number; layers: string[]; packages: string[]; files: string[] }> {
  const log = join(tempDir("scc-cli-imports-"), "imports.log");
  const r = await spawnCollecting(process.execPath, [...nodeArgs("src/cli/run.ts", { preload: [RECORD] }), ...args], { env: { SCC_IMPORTS_LOG: log } });
  const urls = readFileSync(log, "utf8").split("\n").filter((u) => u !== "");
  const layers = new Set<string>();
  const packages = new Set<string>();
  for (const url of urls) {
    const layer = /\/src\/([a-z-]+)\//.exec(url)?.[1];
    if (layer !== undefined && !url.includes("/node_modules/")) layers.add(layer);
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
    if (pkg !== undefined) packages.add(pkg);
  }
  return { code: r.code ?? -1, layers: [...layers].sort(), packages: [...packages].sort(), files: [...new Set(urls.filter((u) => !u.includes("/node_modules/")))] };
}

describe("the CLI loads only what the command asked for needs", () => {
  test("--help, no command, an unknown command: the command list alone (no layer but the CLI's and errors, no package)", async () => {
    for (const [args, code] of [[["--help"], 0], [[], 0], [["nope"], 2]] as const) {
      const got = await loaded([...args]);
      expect({ args, code: got.code, layers: got.layers, packages: got.packages }).toEqual({ args, code, layers: ["cli", "errors"], packages: [] });
    }
  });

  test("releases: the release table, without storage, state, compat, wire or SQLite", async () => {
    const got = await loaded(["releases"]);
    expect(got.code).toBe(0);
    for (const layer of ["storage", "state", "compat", "wire"]) expect(got.layers).not.toContain(layer);
    expect(got.packages).not.toContain("better-sqlite3");
  });

  test("file --help, file put/get --help and matrix --help: their usage text and the constants it shows, without the storage, state or compat layers or any package but the release table's", async () => {
    for (const args of [["file", "--help"], ["file", "put", "--help"], ["file", "get", "--help"], ["matrix", "--help"]]) {
      const got = await loaded(args);
      expect({ args, code: got.code, layers: got.layers.filter((l) => !["cli", "errors", "versions"].includes(l)), sqlite: got.packages.includes("better-sqlite3") }).toEqual({
        args,
        code: 0,
        // The leaf modules that hold the constants a usage shows (and the layer imports), nothing else of theirs.
        layers: args[0] === "matrix" ? ["compat"] : ["storage"],
        sqlite: false,
      });
      expect(got.packages.filter((p) => p !== "semver")).toEqual([]);
      expect(got.files.filter((f) => /\/src\/(storage|compat)\//.test(f)).map((f) => f.replace(/^.*\/src\//, "")).sort()).toEqual(
        args[0] === "matrix" ? ["compat/matrix/matrix-constants.js", "compat/matrix/matrix-types.js"] : ["storage/backends/codex/api-prefixes.js"],
      );
    }
  });

  test("migrate --help, state fixture --help, state --help and schema check --help: their usage text, without the state or compat layers, SQLite, umzug or buf", async () => {
    for (const args of [["migrate", "--help"], ["state", "fixture", "--help"], ["state", "--help"], ["schema", "check", "--help"]]) {
      const got = await loaded(args);
      const state = args[0] === "state";
      expect({ args, code: got.code, layers: got.layers.filter((l) => !["cli", "errors"].includes(l)), packages: got.packages }).toEqual({
        args,
        code: 0,
        // state fixture's text shows the default seed, from the leaf module the fixture writer reads too.
        layers: state ? ["state"] : [],
        packages: [],
      });
      expect(got.files.filter((f) => /\/src\/state\//.test(f)).map((f) => f.replace(/^.*\/src\//, ""))).toEqual(state ? ["state/fixture/fixture-seed.js"] : []);
    }
  });

  test("each entry's usage is its command's own text", async () => {
    const { commands } = await import("../../src/cli/commands/index.js");
    for (const entry of commands) expect(await entry.usage(), entry.path.join(" ")).toBe((await entry.load()).usage);
  });

  test("each entry of the command list loads the command of its own words", async () => {
    const { commands } = await import("../../src/cli/commands/index.js");
    for (const entry of commands) expect((await entry.load()).path).toEqual(entry.path);
  });
});
