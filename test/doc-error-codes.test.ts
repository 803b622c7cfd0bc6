/**
 * Error codes are what programs and scripts branch on (README, Errors), so what the pages say of
 * them must be what the code does. test/public-api.test.ts holds each code of an error class the
 * package exports to its layer's page, and test/cli/exit-status-docs.test.ts each state code to
 * the README's exit table. This file checks the rest, all read from the sources:
 * - no page names a code that no error class has (a code renamed or removed leaves its
 *   documentation describing nothing, and a script written from it branching on a code that never
 *   comes);
 * - the codes of the classes the entry does not export but a user still meets (the CLI's
 *   `error[E_USAGE]`, schema check's, the crypto codes behind `E_INTEGRITY`) are documented;
 * - every code an exit-status list of the docs names sits under the status the CLI gives it.
 */
import { describe, expect, test } from "vitest";
import { exitCodeFor } from "../src/cli/exit-codes.js";
import { CompatError, type ErrorLayer } from "../src/errors/index.js";
import { docPages, errorCodeSources, readPage, section, tableRows } from "./support/doc-pages.js";

/** Codes a page names on purpose that no class has, and why. */
const NOT_CODES: Readonly<Record<string, string>> = {
  E_CODE: "docs/storage.md: the placeholder of the journal's last_error format (\"E_CODE: message\")",
  E_STORE_FROM_FUTURE: "docs/local-store-log.md: the code a proposed (not built) log-structured store would add",
};

/** The layers whose error class the package entry does not export, though their codes reach users. */
const UNEXPORTED_LAYERS = ["bridge", "cli", "compat", "crypto"];

const sources = errorCodeSources();
const layerOf = new Map(sources.flatMap((s) => s.codes.map((code) => [code, s.layer] as const)));

/** The exit status `status-compat` ends with for an error of that code: its mapped status, or the signal's for a run stopped by one. */
function cliStatus(code: string): number {
  if (code === "E_STATE_ABORTED") return 130;
  const layer = layerOf.get(code);
  if (layer === undefined) throw new Error(`${code} is no error class's code`);
  class Probe extends CompatError {
    readonly layer = layer as ErrorLayer;
  }
  return exitCodeFor(new Probe(code, "probe"));
}

const codesIn = (text: string): string[] => [...new Set([...text.matchAll(/`(E_[A-Z0-9_]+)`/g)].map((m) => m[1] as string))];

describe("the error codes the docs name", () => {
  test("the sources are where this test looks for them", () => {
    expect(sources.map((s) => s.union).sort()).toEqual(
      ["BridgeErrorCode", "CliErrorCode", "CryptoErrorCode", "NegotiationErrorCode", "SchemaCheckErrorCode", "StateErrorCode", "StorageErrorCode", "VersionErrorCode", "WireErrorCode"].sort(),
    );
    for (const s of sources) expect(s.codes.length, s.union).toBeGreaterThan(0);
  });

  test("every code a page names is a code of some error class (or a placeholder listed here with its reason)", () => {
    const known = new Set(layerOf.keys());
    const stale: string[] = [];
    for (const page of docPages()) {
      readPage(page)
        .split("\n")
        .forEach((line, i) => {
          for (const m of line.matchAll(/\bE_[A-Z0-9_]*[A-Z0-9]\b/g)) {
            if (!known.has(m[0]) && !(m[0] in NOT_CODES)) stale.push(`${page}:${i + 1} names ${m[0]}, which no *-error.ts union has`);
          }
        });
    }
    expect(stale).toEqual([]);
    // A placeholder no page uses any more is a stale entry of the list above.
    const all = docPages().map(readPage).join("\n");
    expect(Object.keys(NOT_CODES).filter((code) => !all.includes(code))).toEqual([]);
  });

  test("every code of a class the package entry does not export (the CLI's, schema check's, crypto's) is named on a page", () => {
    // The entry's classes are held to their pages by test/public-api.test.ts, which also pins which
    // classes those are; importing the entry here would cost this file seconds.
    const unexported = sources.filter((s) => UNEXPORTED_LAYERS.includes(s.layer));
    expect(unexported.map((s) => s.layer).sort()).toEqual([...UNEXPORTED_LAYERS].sort());
    const all = docPages().map(readPage).join("\n");
    const missing = unexported.flatMap((s) => s.codes.filter((code) => !all.includes(`\`${code}\``)).map((code) => `${code} (${s.file})`));
    expect(missing, "name each on the page of its layer, with what it means and what to do").toEqual([]);
  });
});

describe("the codes named in an exit-status list are under the status the CLI gives them", () => {
  test("README.md, CLI: the exit table", () => {
    const rows = tableRows(section("README.md", "CLI"), "| exit | meaning |", "README.md, CLI");
    expect(rows.length).toBeGreaterThanOrEqual(7);
    const wrong: string[] = [];
    for (const [statuses = "", text = ""] of rows) {
      const listed = statuses.split("/").map((s) => Number(s.trim()));
      for (const code of codesIn(text)) {
        if (!listed.includes(cliStatus(code))) wrong.push(`${code} is in the row of exit ${statuses}, but the CLI exits ${cliStatus(code)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test("docs/schema-check.md, Exit statuses", () => {
    const rows = tableRows(section("docs/schema-check.md", "Exit statuses"), "| status | meaning |", "docs/schema-check.md, Exit statuses");
    const wrong: string[] = [];
    for (const [statuses = "", text = ""] of rows) {
      const listed = statuses.split("/").map((s) => Number(s.trim()));
      for (const code of codesIn(text)) {
        if (!listed.includes(cliStatus(code))) wrong.push(`${code} is in the row of exit ${statuses}, but the CLI exits ${cliStatus(code)}`);
      }
    }
    expect(rows.flatMap(([, text = ""]) => codesIn(text)).length).toBeGreaterThan(0);
    expect(wrong).toEqual([]);
  });

  test("docs/storage.md, CLI: the 'Exit:' line of file put / get", () => {
    const cli = section("docs/storage.md", "CLI").replace(/\s+/g, " ");
    const line = /(?:^| )Exit: (0 ok;.*?)(?= [A-Z][a-z]+ |$)/.exec(cli)?.[1];
    expect(line, "docs/storage.md, CLI has a line 'Exit: 0 ok; …'").toBeDefined();
    const parts = (line as string).split(/; (?=\d+ )/);
    const wrong: string[] = [];
    for (const part of parts) {
      const status = Number(/^(\d+) /.exec(part)?.[1]);
      for (const code of codesIn(part)) {
        if (cliStatus(code) !== status) wrong.push(`${code} is listed under exit ${status}, but the CLI exits ${cliStatus(code)}`);
      }
    }
    expect(parts.flatMap(codesIn).length).toBeGreaterThan(5);
    expect(wrong).toEqual([]);
  });
});
