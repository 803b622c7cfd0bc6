/**
 * Environment variables are configuration a CI author or a release engineer sets without reading
 * the code (STATUS_COMPAT_HOME, STATUS_COMPAT_LOG_LEVEL, STATUS_COMPAT_BUF, the real-node suite's
 * CODEX_API_*): each one the code reads must be named on a page, and each STATUS_COMPAT_* or
 * CODEX_API_* a page names must be read somewhere. Read from the sources: `env["NAME"]` and any
 * "STATUS_COMPAT_…" string (the CLI keeps the home's variable in a constant).
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { docPages, readPage } from "./support/doc-pages.js";

/** Where the variables are read: the package, its scripts, and the real-node suite's target (docs/codex-backend.md documents it). */
function sources(): string[] {
  const root = fileURLToPath(new URL("../", import.meta.url));
  const under = (folder: string): string[] =>
    readdirSync(`${root}${folder}`, { recursive: true, encoding: "utf8" })
      .map((name) => `${folder}/${name.split("\\").join("/")}`)
      .filter((file) => file.endsWith(".ts"));
  return [...under("src"), ...under("scripts"), "test/storage/codex-real-node-target.ts"].map(readPage);
}

test("every environment variable the code reads is named on a page, and every STATUS_COMPAT_* / CODEX_API_* a page names is read", () => {
  const code = sources().join("\n");
  const read = new Set([...code.matchAll(/\benv\["([A-Z][A-Z0-9_]*)"\]|"(STATUS_COMPAT_[A-Z_]+)"/g)].map((m) => (m[1] ?? m[2]) as string));
  const docs = docPages().map(readPage).join("\n");
  expect([...read]).toEqual(expect.arrayContaining(["STATUS_COMPAT_HOME", "STATUS_COMPAT_LOG_LEVEL", "CODEX_API_URL"]));
  expect([...read].filter((name) => !new RegExp(`\\b${name}\\b`).test(docs)), "read by the code, named on no page").toEqual([]);
  const named = new Set([...docs.matchAll(/\b((?:STATUS_COMPAT|CODEX_API)_[A-Z_]*[A-Z])\b/g)].map((m) => m[1] as string));
  const notRead = [...named].filter((name) => !read.has(name));
  expect(notRead, "named on a page, read by no code").toEqual([]);
});
