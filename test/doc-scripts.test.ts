/**
 * The commands the README and docs tell people to type (`npm ci && npm start`, `npm run fuzz`,
 * `npm run bench -- wire|state|storage`, `STORAGE_BENCH_PARTS=… npm run bench -- storage`) must be
 * what package.json and bench/ run: a quick start that names a script that is gone, a benchmark
 * that is not there, or a variable the benches no longer read fails the first person who tries it.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { docPages, readPage } from "./support/doc-pages.js";

const pages = docPages().map((page) => ({ page, text: readPage(page) }));
const scripts = (JSON.parse(readPage("package.json")) as { scripts: Record<string, string> }).scripts;
const benchDir = fileURLToPath(new URL("../bench/", import.meta.url));
const benches = readdirSync(benchDir)
  .filter((name) => name.endsWith(".bench.ts"))
  .map((name) => name.slice(0, -".bench.ts".length))
  .sort();

describe("npm commands the pages give", () => {
  test("every `npm run NAME`, `npm start` and `npm test` is a script of package.json", () => {
    const wrong = pages.flatMap(({ page, text }) =>
      [...text.matchAll(/\bnpm (?:run ([a-z:-]+)|(start|test)\b)/g)]
        .map((m) => (m[1] ?? m[2]) as string)
        .filter((name) => scripts[name] === undefined)
        .map((name) => `${page} says npm ${name === "start" || name === "test" ? "" : "run "}${name}, which package.json does not have`),
    );
    expect(Object.keys(scripts)).toEqual(expect.arrayContaining(["start", "test", "bench", "fuzz", "gen", "typecheck"]));
    expect(wrong).toEqual([]);
  });

  test("the quick start's `npm start` runs the matrix, as the README says", () => {
    expect(readPage("README.md")).toMatch(/npm ci && npm start\s+# the compatibility matrix/);
    expect(scripts["start"]).toMatch(/status-compat\.js matrix$/);
  });

  test("`npm run bench -- NAME` names a benchmark of bench/, and the README's list is all of them", () => {
    const named = pages.flatMap(({ page, text }) => [...text.matchAll(/npm run bench -- ([a-z|]+)/g)].flatMap((m) => (m[1] as string).split("|").map((name) => ({ page, name }))));
    expect(named.filter(({ name }) => !benches.includes(name)).map(({ page, name }) => `${page}: no bench/${name}.bench.ts`)).toEqual([]);
    const list = /`npm run bench -- ([a-z|]+)`/.exec(readPage("README.md"))?.[1]?.split("|").sort();
    expect(list, "README.md's `npm run bench -- a|b|c`").toEqual(benches);
  });

  test("every *_BENCH_* variable a benchmark reads is named in the README or docs, and every one named is read", () => {
    const sources = readdirSync(benchDir, { recursive: true, encoding: "utf8" })
      .filter((name) => name.endsWith(".ts"))
      .map((name) => readPage(`bench/${name.split("\\").join("/")}`))
      .join("\n");
    const read = new Set([...sources.matchAll(/process\.env\["([A-Z]+_BENCH_[A-Z_]+)"\]|envList\("([A-Z]+_BENCH_[A-Z_]+)"\)/g)].map((m) => (m[1] ?? m[2]) as string));
    const docs = pages.map(({ text }) => text).join("\n");
    const named = new Set([...docs.matchAll(/\b([A-Z]+_BENCH_[A-Z_]*[A-Z])\b/g)].map((m) => m[1] as string));
    expect(read.size).toBeGreaterThanOrEqual(5);
    expect([...read].filter((name) => !named.has(name)), "read by bench/ but named on no page").toEqual([]);
    expect([...named].filter((name) => !read.has(name)), "named on a page but read by no benchmark").toEqual([]);
  });
});
