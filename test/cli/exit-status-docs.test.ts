import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { exitCodeFor } from "../../src/cli/exit-codes.js";
import { StateError, type StateErrorCode } from "../../src/state/index.js";
import { PROJECT_ROOT } from "../support/cli.js";

/**
 * Every state error code is a promise to scripts: the exit status the CLI gives it, written in the
 * README's exit table (what a release script branches on) and in docs/CONTRIBUTING.md's list of
 * statuses. E_STATE_NOT_FOUND exited 4 with no word of it in the README; a new code added to
 * state-error.ts without its row now fails here.
 */
const read = (file: string): string => readFileSync(join(PROJECT_ROOT, file), "utf8");

/** The codes of the StateErrorCode union, read from its source (a type has no runtime list). */
function stateCodes(): StateErrorCode[] {
  const source = read("src/state/state-error.ts");
  const union = source.slice(source.indexOf("export type StateErrorCode"), source.indexOf("export class StateError"));
  return [...union.matchAll(/\|\s*"(E_STATE_[A-Z_]+)"/g)].map((m) => m[1] as StateErrorCode);
}

/** The README's exit table: each row's statuses and its text. */
function readmeExitRows(): { statuses: number[]; text: string }[] {
  const readme = read("README.md");
  const table = readme.slice(readme.indexOf("| exit | meaning |"));
  const rows: { statuses: number[]; text: string }[] = [];
  for (const line of table.split("\n").slice(2)) {
    const m = /^\| ([\d /]+) \| (.*) \|$/.exec(line);
    if (m === null) break;
    rows.push({ statuses: (m[1] as string).split("/").map((s) => Number(s.trim())), text: m[2] as string });
  }
  return rows;
}

/** docs/CONTRIBUTING.md: "Exit statuses: 0 ok, 1 check failed, …". */
function contributingStatuses(): number[] {
  const text = read("docs/CONTRIBUTING.md").replace(/\s+/g, " ");
  const list = /Exit statuses: ([^(]*)\(/.exec(text)?.[1] ?? "";
  return [...list.matchAll(/(\d+) [a-z]/g)].map((m) => Number(m[1]));
}

/** What the CLI exits with for `code`: its mapped status, or for a run stopped by its signal, that signal's (130/143/129). */
function cliStatus(code: StateErrorCode): number {
  return code === "E_STATE_ABORTED" ? 130 : exitCodeFor(new StateError(code, "x"));
}

describe("state error codes in the documented exit tables", () => {
  const codes = stateCodes();
  const rows = readmeExitRows();

  test("the tables are where this test looks for them", () => {
    expect(codes.length).toBeGreaterThanOrEqual(19);
    expect(codes).toContain("E_STATE_NOT_FOUND");
    expect(rows.map((r) => r.statuses)).toContainEqual([4]);
    expect(contributingStatuses()).toEqual([0, 1, 2, 3, 4, 5, 70]);
  });

  test.each(stateCodes())("%s is named in the README's exit table in the row of the status the CLI gives it, and only there", (code) => {
    const status = cliStatus(code);
    const naming = rows.filter((r) => r.text.includes(`\`${code}\``));
    expect(
      naming.map((r) => r.statuses),
      `README.md's exit table must name \`${code}\` in the row of exit ${status}`,
    ).toEqual([rows.find((r) => r.statuses.includes(status))?.statuses]);
  });

  test.each(stateCodes())("%s exits with a status docs/CONTRIBUTING.md lists (or a signal's)", (code) => {
    const status = cliStatus(code);
    if (code === "E_STATE_ABORTED") expect(status).toBe(130);
    else expect(contributingStatuses()).toContain(status);
  });

  test.each(stateCodes())("%s has its row in docs/state.md's error table", (code) => {
    expect(read("docs/state.md")).toMatch(new RegExp(`^\\| \`${code}\` \\| .+ \\| .+ \\|$`, "m"));
  });
});
