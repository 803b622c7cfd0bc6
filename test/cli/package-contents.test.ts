/**
 * What `npm pack` ships is what an app that installs the package (README, Using the library) and a
 * CI job that runs its `status-compat` have. Found packing it: the README's Documentation table and
 * the CLI's and library's own messages send the user to docs/*.md ("docs/storage.md, Failover",
 * "See docs/codex-backend.md for the error mapping", the matrix's wire column), and package.json's
 * `files` shipped no docs/: every such pointer led nowhere in node_modules (nor on the registry's
 * page, the package naming no repository). And `matrix --help` named the release table by its path in
 * the repository, src/versions/releases.json, which the package has only compiled (dist/…).
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, test } from "vitest";
import { PROJECT_ROOT, runCliInProcess } from "../support/cli.js";

/** The files `npm pack` would put in the tarball (its scripts not run: prepare would build dist anew). */
function packedFiles(): string[] {
  const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

describe("the packed package", () => {
  test("ships every docs page the README and the sources point to, the CLI and the types, and nothing of the repository's own", () => {
    const files = packedFiles();
    const shipped = new Set(files);

    const named = new Map<string, string>();
    for (const file of [join(PROJECT_ROOT, "README.md"), ...sourceFiles(join(PROJECT_ROOT, "src"))]) {
      for (const m of readFileSync(file, "utf8").matchAll(/\bdocs\/[A-Za-z-]+\.md\b/g)) named.set(m[0], relative(PROJECT_ROOT, file));
    }
    expect(named.size).toBeGreaterThan(0);
    expect([...named].filter(([doc]) => !shipped.has(doc)).map(([doc, by]) => `${doc} (named in ${by})`)).toEqual([]);

    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "bin/status-compat.js", "dist/src/index.js", "dist/src/index.d.ts"]));
    // No tests, sources, benches, scripts, scratch or CI files; the TypeScript is shipped compiled.
    expect(files.filter((f) => /^(?:test|src|bench|scripts|\.scratch|\.ci|\.test-build|node_modules)\//.test(f) || /(?<!\.d)\.ts$/.test(f))).toEqual([]);
  }, 90_000);

  test("every path a command's --help names is in the package (a folder: something under it)", async () => {
    const files = packedFiles();
    const { commands } = await import("../../src/cli/commands/index.js");
    const missing: string[] = [];
    for (const path of [[], ...commands.map((c) => [...c.path])]) {
      const help = await runCliInProcess([...path, "--help"]);
      expect(help.code, path.join(" ")).toBe(0);
      for (const m of help.stdout.matchAll(/\b(?:src|docs|bench|test|scripts|fixtures|proto|migrations)\/[\w./-]*\w/g)) {
        // proto/status/storage/vN stands for each version's folder.
        const named = m[0].replace(/\/vN$/, "/v1");
        if (!files.some((f) => f === named || f.startsWith(`${named}/`))) missing.push(`${path.join(" ") || "status-compat"} --help: ${m[0]}`);
      }
    }
    expect(missing).toEqual([]);
  }, 90_000);
});
