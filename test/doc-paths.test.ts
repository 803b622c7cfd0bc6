/**
 * The README and docs point readers at files of the repository ("`test/storage/log-redaction.test.ts`
 * reads a trace-level log…", "`src/fs/folder-sync.ts`", "see `bench/RESULTS.md`"): the proof behind
 * a promise, or where to look next. Files here are split, merged and renamed often; a pointer to
 * one that is gone sends the reader nowhere. Every path a page names must exist: a path from the
 * repository's root (src/…, test/…), or a bare file name in backticks (`release-holders.test.ts`)
 * found somewhere under the project's folders.
 */
import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { docPages, readPage, section, tableRows } from "./support/doc-pages.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const FOLDERS = ["src", "test", "docs", "bench", "scripts", "migrations", "fixtures", "proto", ".ci"];

/** Names that stand for a family of files (vN, levelL, NNNN), or a folder the docs say is not built yet, or generic names. */
const NOT_PATHS = /(?:\bv(?:N|1\.\.v\d)\b|level-?L\b|levelL|NNNN|\*|^src\/bridge$|^(?:utils|helpers)\.ts$|^(?:state|index)\.sqlite$)/;

function filesUnder(folder: string): string[] {
  const dir = join(ROOT, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).map((name) => basename(name));
}

test("every repository path and file name the README and docs give exists", () => {
  const names = new Set(FOLDERS.flatMap(filesUnder));
  expect(names.has("doc-paths.test.ts")).toBe(true);
  const missing: string[] = [];
  for (const page of docPages()) {
    readPage(page)
      .split("\n")
      .forEach((line, i) => {
        const rooted = [...line.matchAll(/(?<![\w./-])((?:src|test|docs|bench|scripts|migrations|fixtures|proto|\.ci)\/[\w./*-]*[\w*])/g)].map((m) => m[1] as string);
        const bare = [...line.matchAll(/`([\w.-]+\.(?:ts|mjs|json|md|proto|sqlite))`/g)].map((m) => m[1] as string);
        for (const path of rooted) if (!NOT_PATHS.test(path) && !existsSync(join(ROOT, path))) missing.push(`${page}:${i + 1}: ${path}`);
        for (const name of bare) if (!NOT_PATHS.test(name) && !names.has(name) && !existsSync(join(ROOT, name))) missing.push(`${page}:${i + 1}: ${name}`);
      });
  }
  expect(missing, "a page names a file that does not exist: point it at the file's new name, or drop the pointer").toEqual([]);
});

test("README.md's Documentation table links every page of docs/, and links nothing else that is missing", () => {
  const rows = tableRows(section("README.md", "Documentation"), "| topic | where |", "README.md, Documentation");
  const linked = new Set(rows.flatMap(([, where = ""]) => [...where.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1] as string)));
  expect(docPages().filter((page) => page.startsWith("docs/") && !linked.has(page)), "pages a reader of the README cannot find").toEqual([]);
  expect([...linked].filter((target) => !existsSync(join(ROOT, target)))).toEqual([]);
});

test("no page sends the reader to a file outside the repository (the team's shared facts/ notes, a sibling checkout)", () => {
  const outside: string[] = [];
  for (const page of docPages()) {
    // CONTRIBUTING.md speaks to the team, whose steering checkout has ../shared beside it; the other pages are the package's.
    if (page === "docs/CONTRIBUTING.md") continue;
    readPage(page)
      .split("\n")
      .forEach((line, i) => {
        for (const m of line.matchAll(/(?<![\w/-])((?:\.\.\/)*(?:shared\/)?facts\/[\w./-]*\w|\.\.\/shared\/[\w./-]*\w)/g)) outside.push(`${page}:${i + 1}: ${m[1] as string}`);
      });
  }
  expect(outside, "a reader of the package has no such file: say what it holds in the page itself").toEqual([]);
});
