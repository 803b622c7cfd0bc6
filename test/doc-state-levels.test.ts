/**
 * docs/state.md, Levels and the compat level: the table a release engineer reads to know which
 * older release still opens a file after an upgrade, and the release → level line above it. Both
 * must be what the shipped migrations and the release table say; and every migration name a page
 * gives (`migrate down --to 0002_level2_dual_path`) must be one the build ships, or the command
 * copied from it fails E_STATE_LEVEL_UNKNOWN. docs/state-schema.md's own levels are held by
 * test/state/schema-doc.test.ts. And every option of openState and migrateState is named on the
 * page (an option without a word there is one an embedder finds only in the source).
 */
import { describe, expect, test } from "vitest";
import { shippedCatalog } from "../src/state/migration-catalog.js";
import { releaseTable } from "../src/versions/release-table.js";
import { docPages, readPage, section, tableRows } from "./support/doc-pages.js";

const PAGE = "docs/state.md";
const HEADING = "Levels and the compat level";

describe(`${PAGE}, ${HEADING}`, () => {
  const catalog = shippedCatalog();
  const text = section(PAGE, HEADING);

  test("the table has a row per level the build ships, each with that level's compat level", () => {
    const rows = tableRows(text, "| file level | compat level | why |", `${PAGE}, ${HEADING}`).map(([level = "", compat = ""]) => [Number(level), Number(compat)]);
    const levels = Array.from({ length: catalog.maxLevel }, (_, i) => i + 1);
    expect(rows).toEqual(levels.map((level) => [level, catalog.compatLevelAt(level)]));
  });

  test("the release → level line is the release table's", () => {
    const line = /has a \*\*state level\*\*: ((?:\d+\.\d+\.\d+ → \d+(?:, )?)+)/.exec(text.replace(/\s+/g, " "))?.[1] ?? "";
    const pairs = [...line.matchAll(/(\d+\.\d+\.\d+) → (\d+)/g)].map((m) => [m[1] as string, Number(m[2])]);
    expect(pairs).toEqual(releaseTable.rows.map((r) => [r.release, r.stateLevel]));
  });
});

test("every migration name the README and docs give is a migration the build ships", () => {
  const shipped = new Set(shippedCatalog().entries.map((e) => e.definition.name));
  const wrong = docPages().flatMap((page) =>
    [...readPage(page).matchAll(/\b\d{4}_[a-z0-9_]*[a-z0-9]\b/g)].map((m) => m[0]).filter((name) => !shipped.has(name)).map((name) => `${page} names ${name}, which the build does not ship`),
  );
  expect(shipped.size).toBeGreaterThanOrEqual(3);
  expect(wrong).toEqual([]);
});

test("every option of openState and migrateState is named in docs/state.md", () => {
  const page = readPage(PAGE);
  const keys = (file: string, name: string): string[] => {
    const source = readPage(file);
    const start = source.indexOf(`export interface ${name} {`);
    expect(start, `${name} in ${file}`).toBeGreaterThanOrEqual(0);
    const body = source.slice(start, source.indexOf("\n}\n", start)).replace(/\/\*[\s\S]*?\*\//g, "");
    return [...body.matchAll(/^ {2}(?:readonly )?(\w+)\??:/gm)].map((m) => m[1] as string);
  };
  const options = [...new Set([...keys("src/state/open-state.ts", "OpenStateOptions"), ...keys("src/state/migrate-state.ts", "MigrateStateOptions")])];
  expect(options).toEqual(expect.arrayContaining(["path", "lockTimeoutMs", "dryRun"]));
  const unnamed = options.filter((name) => !page.includes(`\`${name}\``) && !new RegExp(`(?:^\\s+|\`)${name}[:,]`, "m").test(page));
  expect(unnamed, `name each in ${PAGE} with what it does`).toEqual([]);
});

test("README.md's release table (The version story) is the release table's rows, with their protocols", () => {
  const rows = tableRows(section("README.md", "The version story"), "| release | protocol | what it speaks |", "README.md, The version story");
  expect(rows.map(([release = "", protocol = ""]) => [release, Number(protocol)])).toEqual(releaseTable.rows.map((r) => [r.release, r.protocol]));
});
