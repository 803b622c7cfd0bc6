/**
 * docs/wire.md, Limits: the caps an implementer of another client (or a relay) must keep to be
 * read, and the sizes a reader refuses past. Each row names constants of src/wire/limits.ts and
 * their values; every exported constant there has its row. A cap changed in the code and not on
 * the page has another client write messages this one refuses.
 */
import { describe, expect, test } from "vitest";
import * as limits from "../src/wire/limits.js";
import { section, tableRows } from "./support/doc-pages.js";

const PAGE = "docs/wire.md";
const UNITS: Readonly<Record<string, number>> = { KiB: 1024, MiB: 1024 ** 2 };

/** "150 KiB", "1,024", "64": a value as the page writes it. */
function value(text: string, where: string): number {
  const m = /^(\d[\d,]*)(?: (KiB|MiB))?$/.exec(text.trim());
  if (m === null) throw new Error(`${where}: cannot read the value "${text}"`);
  return Number((m[1] as string).replaceAll(",", "")) * (m[2] === undefined ? 1 : (UNITS[m[2]] as number));
}

describe(`${PAGE}, Limits`, () => {
  const rows = tableRows(section(PAGE, "Limits"), "| constant | value | what |", `${PAGE}, Limits`);
  const code = limits as unknown as Record<string, number>;

  test("each row's constants have the values it gives", () => {
    const wrong: string[] = [];
    for (const [names = "", values = ""] of rows) {
      const constants = [...names.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1] as string);
      const given = values.split(",").length === constants.length ? values.split(",") : [values];
      if (constants.length === 0 || given.length !== constants.length) throw new Error(`${PAGE}, Limits: cannot pair "${names}" with "${values}"`);
      constants.forEach((name, i) => {
        const doc = value(given[i] as string, `${PAGE}, Limits, ${name}`);
        if (code[name] === undefined) wrong.push(`${name}: a row of ${PAGE}, Limits, but src/wire/limits.ts exports no such constant`);
        else if (code[name] !== doc) wrong.push(`${name}: ${PAGE} says ${doc}, src/wire/limits.ts has ${code[name]}`);
      });
    }
    expect(wrong).toEqual([]);
  });

  test("every constant src/wire/limits.ts exports has its row", () => {
    const named = new Set(rows.flatMap(([names = ""]) => [...names.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1] as string)));
    expect(Object.keys(code).length).toBeGreaterThanOrEqual(20);
    expect(Object.keys(code).filter((name) => !named.has(name))).toEqual([]);
  });
});
