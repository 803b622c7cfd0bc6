/**
 * The README's CLI section is the CLI's reference (there is no docs/cli.md): a release engineer or
 * a CI author writes scripts from it. It must name every command, every flag each command's
 * `--help` lists (here or on the page of the command's area, which the row links), no flag a
 * command does not take, and every exit status the CLI ends with.
 *
 * The commands and their --help texts are read from src/cli/commands/*.ts, not by loading the CLI
 * (that imports the whole package: seconds for a check of text). A usage text is the command's
 * `usage: \`…\`` or the constant its `usage:` names in a usage module beside it (`file-usage.ts`);
 * its `${NAME}` is resolved when NAME is a template constant of the same file (file put/get's
 * shared options).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { EXIT, EXIT_INTERRUPTED, EXIT_STDOUT_CLOSED } from "../src/cli/exit-codes.js";
import { readPage, section, tableRows } from "./support/doc-pages.js";

/** Where each command's flags may be described besides the README (the page its area's details live on). */
const AREA_PAGE: Readonly<Record<string, string>> = {
  matrix: "README.md",
  releases: "README.md",
  "schema check": "docs/schema-check.md",
  migrate: "docs/state.md",
  upgrade: "docs/state.md",
  "state fixture": "docs/state.md",
  "file put": "docs/storage.md",
  "file get": "docs/storage.md",
};

interface CommandText {
  readonly name: string;
  readonly file: string;
  readonly usage: string;
}

const FLAG = /(?<![\w-])--([a-z][a-z-]*[a-z])/g;
const flagsIn = (text: string): string[] => [...new Set([...text.matchAll(FLAG)].map((m) => m[1] as string))].sort();

/** A template text of `source` declared as `const NAME = \`…\`` (exported or not), its `${CONSTANT}`s of the same file resolved. */
function templateConstant(source: string, name: string): string | undefined {
  // Up to the first backtick not escaped (file get's text quotes \`file put\`).
  const text = new RegExp(`\\n(?:export )?const ${name} = \`((?:[^\`\\\\]|\\\\.)*)\``).exec(source)?.[1];
  return text?.replace(/\$\{([A-Z_]+)\}/g, (whole, constant: string) => templateConstant(source, constant) ?? whole);
}

/**
 * Each command's path and --help text, as its source declares them: in its `usage: \`…\``, or in the
 * constant its `usage:` names, declared in a usage module beside it (`file-usage.ts`).
 */
function commandTexts(): CommandText[] {
  const dir = fileURLToPath(new URL("../src/cli/commands/", import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts")).sort();
  const sources = new Map(files.map((name) => [name, readPage(`src/cli/commands/${name}`)] as const));
  const found: CommandText[] = [];
  for (const [name, source] of sources) {
    const file = `src/cli/commands/${name}`;
    for (const m of source.matchAll(/\n {2}path: \[([^\]]*)\],(?:\n[\s\S]*?)??\n {2}usage: (?:`|([A-Z_]+),\n)/g)) {
      const named = m[2];
      let usage: string | undefined;
      if (named === undefined) {
        const start = (m.index as number) + m[0].length;
        usage = templateConstant(`\nconst USAGE = \`${source.slice(start, source.indexOf("`,\n", start))}\`\n${source}`, "USAGE");
      } else {
        usage = [...sources.values()].map((other) => (new RegExp(`\\nexport const ${named} = \``).test(other) ? templateConstant(other, named) : undefined)).find((text) => text !== undefined);
      }
      const path = [...(m[1] as string).matchAll(/"([a-z-]+)"/g)].map((p) => p[1] as string);
      found.push({ name: path.join(" "), file, usage: usage ?? `no usage text found for ${named ?? "?"}` });
    }
  }
  return found;
}

/** The README's command table: each row's command (the longest of `names` its synopsis starts with) and the whole row. */
function readmeCommandRows(names: readonly string[]): Array<{ command: string; row: string }> {
  const longestFirst = [...names].sort((a, b) => b.length - a.length);
  return tableRows(section("README.md", "CLI"), "| command | for |", "README.md, CLI").map((cells) => {
    const synopsis = cells[0] ?? "";
    const command = longestFirst.find((name) => new RegExp(`^\`status-compat ${name}[ \`]`).test(synopsis));
    return { command: command ?? `no command: ${synopsis}`, row: cells.join(" | ") };
  });
}

describe("README.md, CLI", () => {
  const commands = commandTexts();
  const rows = readmeCommandRows(commands.map((c) => c.name));
  const cli = section("README.md", "CLI");

  test("the commands are where this test looks for them (src/cli/commands/index.ts registers each file's)", () => {
    const index = readPage("src/cli/commands/index.ts");
    expect(commands.map((c) => c.name).sort()).toEqual(Object.keys(AREA_PAGE).sort());
    for (const c of commands) expect(index, `${c.file} is registered`).toContain(`./${c.file.split("/").at(-1)?.replace(/\.ts$/, ".js")}`);
    for (const c of commands) expect(flagsIn(c.usage).length + (c.name === "releases" ? 1 : 0), c.name).toBeGreaterThan(0);
  });

  test("every command has a row of the command table, and every row is a command", () => {
    const byRow = rows.map((r) => r.command);
    expect(
      commands.map((c) => c.name).filter((name) => !byRow.includes(name)),
      "commands without a row",
    ).toEqual([]);
    expect(
      byRow.filter((command) => !commands.some((c) => c.name === command)),
      "rows naming no command",
    ).toEqual([]);
  });

  test("a row names only flags its command's --help lists", () => {
    const wrong = rows.flatMap(({ command, row }) => {
      const usage = commands.filter((c) => c.name === command).map((c) => c.usage).join("\n");
      const known = new Set([...flagsIn(usage), "help"]);
      return flagsIn(row)
        .filter((flag) => !known.has(flag))
        .map((flag) => `README.md's row of ${command} names --${flag}, which its --help does not list`);
    });
    expect(wrong).toEqual([]);
  });

  test("every other flag the section names is a flag of some command", () => {
    const all = new Set([...commands.flatMap((c) => flagsIn(c.usage)), "help"]);
    expect(flagsIn(cli).filter((flag) => !all.has(flag)).map((flag) => `README.md, CLI names --${flag}, which no command's --help lists`)).toEqual([]);
  });

  test("every flag a command's --help lists is named in the README's CLI section or on its area's page", () => {
    const missing = commands.flatMap((c) => {
      const page = AREA_PAGE[c.name] as string;
      const text = `${cli}\n${page === "README.md" ? "" : readPage(page)}`;
      const named = new Set(flagsIn(text));
      return flagsIn(c.usage)
        .filter((flag) => !named.has(flag))
        .map((flag) => `${c.name} --${flag} (${c.file}) is not named in README.md, CLI${page === "README.md" ? "" : ` nor in ${page}`}`);
    });
    expect(missing).toEqual([]);
  });

  test("the exit table has a row for every status the CLI ends with, and no other", () => {
    const statuses = tableRows(cli, "| exit | meaning |", "README.md, CLI").flatMap(([cell = ""]) => cell.split("/").map((s) => Number(s.trim())));
    const code = [...Object.values(EXIT), ...Object.values(EXIT_INTERRUPTED), EXIT_STDOUT_CLOSED];
    expect([...statuses].sort((a, b) => a - b)).toEqual([...code].sort((a, b) => a - b));
  });
});

/** Kept beside the pages it reads: a file moved out of test/ would read nothing. */
test("this file reads the repository it is in", () => {
  expect(readPage(join("src", "cli", "exit-codes.ts"))).toContain("export const EXIT");
});
