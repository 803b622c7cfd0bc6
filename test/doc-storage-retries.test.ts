/**
 * docs/storage.md says which failures the client retries, which send a piece to the next endpoint
 * and which end the job (Retries, the classification table), and which codes are `retryable` (the
 * first rows of the Error codes table). An application decides from these whether to offer "try
 * again" or "share it again"; they must be what classifyFailure and StorageError.retryable do.
 */
import { describe, expect, test } from "vitest";
import { StorageError, type StorageErrorCode } from "../src/storage/storage-error.js";
import { classifyFailure } from "../src/storage/retry/failure-kind.js";
import { errorCodeSources, section, tableRows } from "./support/doc-pages.js";

const PAGE = "docs/storage.md";
const codes = (errorCodeSources().find((s) => s.union === "StorageErrorCode")?.codes ?? []) as StorageErrorCode[];
const codesIn = (text: string): string[] => [...new Set([...text.matchAll(/`(E_[A-Z0-9_]+)`/g)].map((m) => m[1] as string))];
const kindOf = (code: string): string => classifyFailure(new StorageError(code as StorageErrorCode, "probe"));

describe(`${PAGE}: what is retried`, () => {
  test("the classification table's rows hold the codes classifyFailure gives their kind, and the retry and next-endpoint rows all of them", () => {
    const rows = tableRows(section(PAGE, "Retries, timeouts, failover (`src/storage/retry`)"), "| kind | codes | what happens |", `${PAGE}, Retries`);
    const byKind = new Map(rows.map(([kind = "", cell = ""]) => [kind.replace(" ", "-"), codesIn(cell)]));
    expect([...byKind.keys()].sort()).toEqual(["fatal", "next-endpoint", "retry"]);
    const wrong: string[] = [];
    for (const [kind, listed] of byKind) {
      for (const code of listed) if (kindOf(code) !== kind) wrong.push(`${code} is in the ${kind} row, but classifyFailure gives ${kindOf(code)}`);
    }
    for (const code of codes) {
      const kind = kindOf(code);
      if (kind !== "fatal" && !(byKind.get(kind) ?? []).includes(code)) wrong.push(`${code} is ${kind} in classifyFailure, but not in that row`);
    }
    expect(codes.length).toBeGreaterThan(15);
    expect(wrong).toEqual([]);
  });

  test("'retryable is true for the first N' names exactly the codes StorageError.retryable is true for", () => {
    const text = section(PAGE, "Error codes");
    const words: Record<string, number> = { two: 2, three: 3, four: 4, five: 5, six: 6 };
    const n = words[/`retryable` is true for the first (\w+)/.exec(text)?.[1] ?? ""];
    expect(n, `${PAGE}, Error codes says how many rows are retryable`).toBeDefined();
    const rows = tableRows(text, "| code | meaning | what to do |", `${PAGE}, Error codes`);
    const first = rows.slice(0, n).flatMap(([cell = ""]) => codesIn(cell));
    expect(first.sort()).toEqual(codes.filter((code) => new StorageError(code, "probe").retryable).sort());
  });
});
