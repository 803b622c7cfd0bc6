/**
 * better-sqlite3's native part cannot load (npm 11 may skip its install script; a node_modules built
 * under another Node): a library user's openState rejected with the loader's plain Error ("Could
 * not locate the bindings file"), no StateError, and StorageClient.open called it E_LOCAL_IO "the
 * folder of its data directory must be writable", the wrong advice. Both now reject with the state
 * layer's E_STATE_SQLITE_UNAVAILABLE, saying what to run. Simulated as test/cli/sqlite-binding-missing
 * does: a preloaded stand-in makes process.dlopen of better_sqlite3.node fail.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { spawnCollecting } from "../support/cli.js";
import { nodeArgs } from "../support/node-args.js";
import { tempDir } from "../support/temp-dir.js";

const STAND_IN = join(import.meta.dirname, "..", "cli", "support", "sqlite-binding-missing.ts");
const CHILD = join(import.meta.dirname, "support", "sqlite-unavailable-child.ts");

describe("a better-sqlite3 whose native part cannot load, met by the library", () => {
  test.each(["missing", "other-node"] as const)("openState and StorageClient.open (%s) reject with StateError E_STATE_SQLITE_UNAVAILABLE naming the rebuild", async (how) => {
    const dir = tempDir("scc-state-sqlite-unavailable-");
    const r = await spawnCollecting(process.execPath, [...nodeArgs(CHILD, { preload: [STAND_IN] }), dir], { env: { SQLITE_BINDING: how }, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const outcomes = JSON.parse(r.stdout) as { name: string; code: string; message: string }[];
    expect(outcomes.map((o) => [o.name, o.code])).toEqual([
      ["StateError", "E_STATE_SQLITE_UNAVAILABLE"],
      ["StateError", "E_STATE_SQLITE_UNAVAILABLE"],
    ]);
    for (const o of outcomes) {
      expect(o.message).toContain("npm rebuild better-sqlite3");
      expect(o.message).toContain("npm install-scripts approve better-sqlite3");
      expect(o.message).toContain(how === "missing" ? "Could not locate the bindings file" : "NODE_MODULE_VERSION");
      expect(o.message).not.toMatch(/must be writable|Tried:/);
    }
  }, 120_000);
});
