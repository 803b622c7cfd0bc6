/**
 * inspectState takes (path, catalog, options): its workDir is the third argument's. Every other entry
 * point takes its options second, and `inspectState(path, { workDir })` (JavaScript, not
 * type-checked) failed with "Cannot read properties of undefined (reading 'map')" from inside the
 * call, a TypeError naming nothing the caller wrote. A second argument that is no MigrationCatalog
 * is now a TypeError saying what goes there and where the options go; nothing is written to workDir.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { inspectState, shippedCatalog, type MigrationCatalog } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture } from "./support/files.js";

test("options given second: a TypeError naming the catalog and the third argument, for a missing file and an existing one", () => {
  const dir = tempDir();
  const work = tempDir();
  const existing = copyFixture(2, dir);
  for (const path of [join(dir, "missing.sqlite"), existing]) {
    for (const second of [{ workDir: work }, "catalog", 3] as unknown[]) {
      const call = (): unknown => inspectState(path, second as MigrationCatalog);
      expect(call, `${path} ${JSON.stringify(second)}`).toThrow(TypeError);
      expect(call, `${path} ${JSON.stringify(second)}`).toThrow(/inspectState's second argument is the migration catalog/);
      expect(call, `${path} ${JSON.stringify(second)}`).toThrow(/inspectState\(path, undefined, \{ workDir \}\)/);
    }
  }
  expect(readdirSync(work)).toEqual([]);
});

test("the catalog left out, or given, with options third: inspected as before", () => {
  const dir = tempDir();
  const path = copyFixture(2, dir);
  expect(inspectState(path, undefined, { workDir: tempDir() }).level).toBe(2);
  expect(inspectState(path, shippedCatalog()).level).toBe(2);
  expect(inspectState(path).level).toBe(2);
});
