/**
 * docs/codex-backend.md, Configuration: the options of createCodexBackend an application passes,
 * their defaults and what bad configuration is. Every option of CodexBackendOptions has its row;
 * the defaults the rows state are resolveCodexOptions' (the prefix, 30 000 ms, the idle timeout
 * following the request timeout); the timeouts' stated range holds at its edges, as
 * E_BACKEND_REJECTED (what the page says bad configuration throws).
 */
import { describe, expect, test } from "vitest";
import { CODEX_API_PREFIX, DEFAULT_REQUEST_TIMEOUT_MS, resolveCodexOptions } from "../src/storage/backends/codex/options.js";
import { readPage, section, tableRows } from "./support/doc-pages.js";

const PAGE = "docs/codex-backend.md";
const url = "http://127.0.0.1:8080";

describe(`${PAGE}, Configuration`, () => {
  const text = section(PAGE, "Configuration");
  const rows = new Map(tableRows(text, "| option | meaning |", `${PAGE}, Configuration`).map(([name = "", meaning = ""]) => [name.replaceAll("`", ""), meaning]));

  test("every option of CodexBackendOptions has its row, and every row is an option", () => {
    const source = readPage("src/storage/backends/codex/options.ts");
    const body = source.slice(source.indexOf("export interface CodexBackendOptions {"), source.indexOf("\n}\n", source.indexOf("export interface CodexBackendOptions {")));
    const options = [...body.replace(/\/\*[\s\S]*?\*\//g, "").matchAll(/^ {2}(?:readonly )?(\w+)\??:/gm)].map((m) => m[1] as string);
    expect(options).toContain("url");
    expect(options.filter((name) => !rows.has(name))).toEqual([]);
    expect([...rows.keys()].filter((name) => !options.includes(name))).toEqual([]);
  });

  test("the defaults the rows state are the code's", () => {
    const resolved = resolveCodexOptions({ url });
    expect(rows.get("apiPrefix")).toContain(`\`${CODEX_API_PREFIX}\` (default`);
    expect(resolved.basePath).toBe(CODEX_API_PREFIX);
    const stated = /Default (\d[\d  ,]*)\./.exec(rows.get("requestTimeoutMs") ?? "")?.[1]?.replace(/[  ,]/g, "");
    expect(Number(stated)).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(resolved.requestTimeoutMs).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(rows.get("idleTimeoutMs")).toContain("Default: `requestTimeoutMs`");
    expect(resolveCodexOptions({ url, requestTimeoutMs: 1234 }).idleTimeoutMs).toBe(1234);
  });

  test.each(["requestTimeoutMs", "idleTimeoutMs"] as const)("%s: whole milliseconds from 1 to 2^31-1, anything else E_BACKEND_REJECTED", (name) => {
    expect(text.replace(/\s+/g, " ")).toContain("a timeout that is not a whole number of milliseconds from 1 to 2³¹−1");
    for (const ok of [1, 2 ** 31 - 1]) expect(resolveCodexOptions({ url, [name]: ok })[name]).toBe(ok);
    for (const bad of [0, 1.5, 2 ** 31, Number.NaN, -1]) expect(() => resolveCodexOptions({ url, [name]: bad }), String(bad)).toThrow(expect.objectContaining({ code: "E_BACKEND_REJECTED" }));
  });
});
