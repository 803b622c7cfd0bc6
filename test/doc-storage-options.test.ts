/**
 * docs/storage.md is where an application developer looks up a StorageClient method, an option, its
 * default and its range. This file keeps the page to the code, both read as they are:
 * - every public method of StorageClient (storage-client.ts) has its row in the method table;
 * - every option of `StorageClientOptions` (client-options.ts) is named on the page, and every
 *   retry policy field;
 * - the Defaults table's values are `STORAGE_DEFAULTS` (full mode, and light mode's where they
 *   differ), and each of its rows names an option;
 * - the Retries table's full and light rows are `DEFAULT_RETRY_POLICY` and `LIGHT_RETRY_POLICY`.
 * - each range the Defaults section states holds at its edges: the value at the edge is taken, the
 *   one past it is a RangeError naming the option (resolveSettings, what start() runs first; the
 *   storage tests start clients with such values one option at a time).
 */
import { describe, expect, test } from "vitest";
import { STORAGE_DEFAULTS, type StorageClientOptions } from "../src/storage/client-options.js";
import { resolveSettings } from "../src/storage/client-settings.js";
import { DEFAULT_RETRY_POLICY, LIGHT_RETRY_POLICY, type RetryPolicy } from "../src/storage/retry/index.js";
import { readPage, section, tableRows } from "./support/doc-pages.js";

const PAGE = "docs/storage.md";

const UNITS: Readonly<Record<string, number>> = {
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  ms: 1,
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** "50 MiB", "4", "6 h", "1,024", "30 days": the number a page writes, in bytes, milliseconds or as a count. */
function quantity(text: string, where: string): number {
  const m = /^(\d[\d,]*(?:\.\d+)?)(?:\s*([A-Za-z]+))?$/.exec(text.trim());
  const unit = m?.[2];
  if (m === null || (unit !== undefined && !(unit in UNITS))) throw new Error(`${where}: cannot read a quantity in "${text}"`);
  return Number((m[1] as string).replaceAll(",", "")) * (unit === undefined ? 1 : (UNITS[unit] as number));
}

/** A default cell: its first quantity and, when it says "(light X)", light mode's (X in the first's unit when it names none). */
function defaultCell(cell: string, where: string): { full: number; light?: number } {
  const first = /^[^(:;]*?(\d[\d,]*(?:\.\d+)?(?:\s*(?:KiB|MiB|GiB|ms|s|min|h|days?)\b)?)/.exec(cell.replace(/`[^`]*`/g, ""))?.[1];
  if (first === undefined) throw new Error(`${where}: no default value in "${cell}"`);
  const full = quantity(first, where);
  const light = /\(light (\d[\d,]*)(?:\s*([A-Za-z]+))?/.exec(cell);
  if (light === null) return { full };
  const unit = light[2] ?? /[A-Za-z]+$/.exec(first.trim())?.[0];
  return { full, light: quantity(`${light[1] as string}${unit === undefined ? "" : ` ${unit}`}`, where) };
}

/** The names declared in `export interface <name> { … }` of a source file. */
function interfaceKeys(file: string, name: string): string[] {
  const source = readPage(file);
  const start = source.indexOf(`export interface ${name} {`);
  if (start < 0) throw new Error(`${file} has no interface ${name}`);
  const body = source.slice(start, source.indexOf("\n}\n", start)).replace(/\/\*[\s\S]*?\*\//g, "");
  return [...body.matchAll(/^ {2}(?:readonly )?(\w+)\??:/gm)].map((m) => m[1] as string);
}

describe(`${PAGE}: the StorageClient options`, () => {
  const page = readPage(PAGE);

  test("every option of StorageClientOptions and every retry policy field is named on the page", () => {
    const options = interfaceKeys("src/storage/client-options.ts", "StorageClientOptions");
    const retry = interfaceKeys("src/storage/retry/retry-policy.ts", "RetryPolicy");
    expect(options).toContain("dataDir");
    expect(retry).toContain("maxAttempts");
    const unnamed = [...options, ...retry].filter((name) => !page.includes(`\`${name}\``) && !page.includes(`\`retry.${name}\``) && !new RegExp(`(?:^\\s+|\`)${name}[:,]`, "m").test(page));
    expect(unnamed, `name each in ${PAGE} with its default and what it does`).toEqual([]);
  });

  test("the Defaults table is STORAGE_DEFAULTS: every row an option, every value the code's (light mode's where it differs)", () => {
    const rows = tableRows(section(PAGE, "Defaults"), "| option | default |", `${PAGE}, Defaults`);
    const wrong: string[] = [];
    const seen = new Set<string>();
    for (const [names = "", values = ""] of rows) {
      const options = [...names.matchAll(/`(\w+)`/g)].map((m) => m[1] as string);
      const cells = options.length > 1 ? values.split(" / ") : [values];
      if (cells.length !== options.length) throw new Error(`${PAGE}, Defaults: "${names}" has ${options.length} options and ${cells.length} values`);
      options.forEach((option, i) => {
        seen.add(option);
        const code = (STORAGE_DEFAULTS as Record<string, number | { full: number; light: number } | undefined>)[option];
        if (code === undefined) return wrong.push(`${option}: a row of ${PAGE}, Defaults, but no STORAGE_DEFAULTS entry`);
        const doc = defaultCell(cells[i] as string, `${PAGE}, Defaults, ${option}`);
        const full = typeof code === "number" ? code : code.full;
        const light = typeof code === "number" ? undefined : code.light === code.full ? undefined : code.light;
        if (doc.full !== full) wrong.push(`${option}: ${PAGE} says ${doc.full}, STORAGE_DEFAULTS has ${full}`);
        if (doc.light !== light) wrong.push(`${option}: ${PAGE} says light mode ${String(doc.light)}, STORAGE_DEFAULTS has ${String(light)}`);
        return undefined;
      });
    }
    expect(wrong).toEqual([]);
    expect(Object.keys(STORAGE_DEFAULTS).filter((option) => !seen.has(option))).toEqual([]);
  });

  test("the Retries table's full and light rows are DEFAULT_RETRY_POLICY and LIGHT_RETRY_POLICY", () => {
    const text = section(PAGE, "Retries, timeouts, failover (`src/storage/retry`)");
    const header = text.split("\n").find((line) => line.startsWith("| policy (`retry` option) |"));
    expect(header, `${PAGE}, Retries has the policy table`).toBeDefined();
    const fields = (header as string)
      .split("|")
      .slice(2, -1)
      .map((cell) => /\(`(\w+)`\)/.exec(cell)?.[1] as keyof RetryPolicy);
    const rows = tableRows(text, "| policy (`retry` option) |", `${PAGE}, Retries`);
    const wrong: string[] = [];
    for (const [name, policy] of [
      ["full (default)", DEFAULT_RETRY_POLICY],
      ["light", LIGHT_RETRY_POLICY],
    ] as const) {
      const row = rows.find((r) => r[0] === name);
      if (row === undefined) throw new Error(`${PAGE}, Retries: no row "${name}"`);
      fields.forEach((field, i) => {
        if (!(field in policy)) return wrong.push(`${PAGE}, Retries: column ${i + 2} names ${String(field)}, which RetryPolicy has not`);
        const doc = quantity(row[i + 1] as string, `${PAGE}, Retries, ${name} ${field}`);
        if (doc !== policy[field]) wrong.push(`${name} ${field}: ${PAGE} says ${doc}, the code has ${policy[field]}`);
        return undefined;
      });
    }
    expect(fields.length).toBeGreaterThanOrEqual(6);
    expect(wrong).toEqual([]);
  });
});

describe(`${PAGE}: the StorageClient methods`, () => {
  test("every public method of StorageClient is in the method table, and every method the table names is one", () => {
    const source = readPage("src/storage/storage-client.ts");
    const body = source.slice(source.indexOf("export class StorageClient {"));
    const methods = [...body.matchAll(/^ {2}(?:static )?(?:async )?([a-z]\w*)\(/gm)].map((m) => m[1] as string).filter((name) => name !== "constructor");
    expect(methods).toContain("share");
    const rows = tableRows(readPage(PAGE), "| method | what |", `${PAGE}, method table`);
    const named = new Set(rows.flatMap(([cell = ""]) => [...cell.matchAll(/`(?:StorageClient\.)?([a-z]\w*)\(/g)].map((m) => m[1] as string)));
    expect(methods.filter((name) => !named.has(name)), `methods without a row in ${PAGE}'s method table`).toEqual([]);
    expect([...named].filter((name) => !methods.includes(name)), `rows of ${PAGE}'s method table naming no method`).toEqual([]);
  });
});

describe(`${PAGE}, Defaults: the ranges it states, at their edges`, () => {
  const MiB = 1024 * 1024;
  const DAY = 86_400_000;
  // [option, taken at the edge, refused past it], in the order the section states them.
  const edges: Array<[string, Partial<StorageClientOptions>, Partial<StorageClientOptions>]> = [
    ["piecesInFlight", { piecesInFlight: 1 }, { piecesInFlight: 0 }],
    ["jobsInFlight", { jobsInFlight: 1 }, { jobsInFlight: 1.5 }],
    ["streamsInFlight", { streamsInFlight: 1 }, { streamsInFlight: 0 }],
    ["chunkSize", { chunkSize: 1024 }, { chunkSize: 1023 }],
    ["chunkSize", { chunkSize: 4 * MiB }, { chunkSize: 4 * MiB + 1 }],
    ["pieceSize", { pieceSize: 1 }, { pieceSize: 0 }],
    ["pieceSize", { maxFileBytes: 64 * MiB, pieceSize: 1023 * 64 * 1024 }, { maxFileBytes: 64 * MiB, pieceSize: 1024 * 64 * 1024 }],
    ["maxFileBytes", { maxFileBytes: 1 }, { maxFileBytes: Infinity }],
    ["maxPieceBytes", { maxPieceBytes: 100 * MiB }, { maxPieceBytes: 0 }],
    ["ttlMs", { ttlMs: 4 * DAY }, { ttlMs: 4 * DAY + 0.5 }],
    ["quotaBytes", { quotaBytes: Infinity }, { quotaBytes: 0 }],
    ["renewBeforeMs", { renewBeforeMs: 0 }, { renewBeforeMs: STORAGE_DEFAULTS.ttlMs }],
    ["renewEveryMs", { renewEveryMs: 0 }, { renewEveryMs: -1 }],
    ["renewEveryMs", { renewBeforeMs: 0, renewEveryMs: 2 ** 31 - 1 }, { renewBeforeMs: 0, renewEveryMs: 2 ** 31 }],
    ["renewEveryMs", { renewEveryMs: 3 * DAY - 1 }, { renewEveryMs: 3 * DAY }],
    ["keepEndedJobsMs", { keepEndedJobsMs: 0 }, { keepEndedJobsMs: -1 }],
    ["keepEndedJobsMs", { keepEndedJobsMs: Infinity }, { keepEndedJobsMs: Number.NaN }],
    ["transferMemoryBytes", { transferMemoryBytes: 1 }, { transferMemoryBytes: Infinity }],
  ];
  const base = { protocol: 3, dataDir: "unused" } as StorageClientOptions;

  test("the section states each of these options' range", () => {
    const text = section(PAGE, "Defaults");
    expect([...new Set(edges.map(([name]) => name))].filter((name) => !text.includes(`\`${name}\``))).toEqual([]);
  });

  test.each(edges)("%s: %o is taken, %o is a RangeError naming it", (name, taken, refused) => {
    expect(() => resolveSettings({ ...base, ...taken }, "full")).not.toThrow();
    expect(() => resolveSettings({ ...base, ...refused }, "full")).toThrow(RangeError);
    expect(() => resolveSettings({ ...base, ...refused }, "full")).toThrow(new RegExp(`\\b${name}\\b`));
  });
});
