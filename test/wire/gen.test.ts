import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { generate, protoVersions, REPO_ROOT } from "../../scripts/gen.js";
import { tempDir } from "../support/temp-dir.js";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe("npm run gen", () => {
  it("regenerates src/wire/gen exactly as checked in (buf and ts-proto from node_modules, offline)", async () => {
    const root = tempDir();
    await generate(root);
    const fresh = join(root, "src/wire/gen");
    const checkedIn = join(REPO_ROOT, "src/wire/gen");
    expect(filesUnder(fresh)).toEqual(filesUnder(checkedIn));
    for (const file of filesUnder(checkedIn)) {
      expect(readFileSync(join(fresh, file), "utf8"), file).toBe(readFileSync(join(checkedIn, file), "utf8"));
    }
  });

  it("generates a reflection schema for every proto version folder and marks every file as generated", async () => {
    const versions = await protoVersions();
    const dir = join(REPO_ROOT, "src/wire/gen");
    const files = filesUnder(dir);
    for (const v of versions) expect(files).toContain(join("schema", `v${v}.ts`));
    for (const f of files.filter((f) => f.endsWith(".ts"))) {
      expect(readFileSync(join(dir, f), "utf8"), f).toMatch(/^\/\/ Code generated .*DO NOT EDIT\./);
    }
  });
});
