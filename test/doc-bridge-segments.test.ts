/**
 * docs/bridge.md, Segments: the sizes a writer cuts at and a reader reassembles up to. Another
 * client's implementer reads them from the page; a value changed in src/bridge/segment-limits.ts
 * and not there has that client write segments this one refuses (MAX_SEGMENTS_PER_WHOLE).
 */
import { describe, expect, test } from "vitest";
import * as limits from "../src/bridge/segment-limits.js";
import { section, tableRows } from "./support/doc-pages.js";

const PAGE = "docs/bridge.md";
const UNITS: Readonly<Record<string, number>> = { KiB: 1024, MiB: 1024 ** 2, minutes: 60_000 };

function value(text: string, where: string): number {
  const m = /^(\d[\d,]*)(?: (KiB|MiB|minutes))?$/.exec(text.trim());
  if (m === null) throw new Error(`${where}: cannot read the value "${text}"`);
  return Number((m[1] as string).replaceAll(",", "")) * (m[2] === undefined ? 1 : (UNITS[m[2]] as number));
}

describe(`${PAGE}, Segments`, () => {
  const rows = tableRows(section(PAGE, "Segments"), "| constant (`src/bridge/segment-limits.ts`) | value | what |", `${PAGE}, Segments`);
  const code = { ...limits } as Record<string, number>;

  test("each constant has the value the page gives, and every one has its row", () => {
    const documented: Record<string, number> = {};
    for (const [name = "", given = ""] of rows) {
      const constant = /`([A-Z0-9_]+)`/.exec(name)?.[1];
      if (constant === undefined) throw new Error(`${PAGE}, Segments: no constant in "${name}"`);
      documented[constant] = value(given, `${PAGE}, Segments, ${constant}`);
    }
    expect(documented).toEqual(code);
  });
});
