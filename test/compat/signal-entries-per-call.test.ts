/**
 * On Node 20, AbortSignal.any([parent, other]) leaves an entry on `parent` (a WeakRef in its set of
 * dependant signals) until `parent` itself fires, even once the composite is gone. runMatrix made one
 * per cell from the caller's signal and runBufBreaking one per call: a library caller holding one
 * signal for its life (an app's shutdown signal, a CI service running the matrix on every push) grew
 * that signal by an entry per cell, for good. A listener removed as the call ends leaves nothing.
 */
import { describe, expect, test } from "vitest";
import { runMatrix, type MatrixCheck } from "../../src/compat/index.js";
import { runBufBreaking } from "../../src/compat/schema-check/run-buf-breaking.js";
import { tempDir } from "../support/temp-dir.js";

/** Node's own bookkeeping of the signals derived from `signal` (what AbortSignal.any adds to). */
function dependants(signal: AbortSignal): number {
  const key = Object.getOwnPropertySymbols(signal).find((s) => String(s) === "Symbol(kDependantSignals)");
  const set = key === undefined ? undefined : (signal as unknown as Record<symbol, Set<unknown> | undefined>)[key];
  return set?.size ?? 0;
}

const passing: MatrixCheck = { column: "storage", proves: "a stand-in that passes", run: async () => ({ status: "pass", detail: "ok" }) };

describe("a caller's long-lived signal", () => {
  test("runMatrix run three times leaves no entry on it per cell", async () => {
    const lifetime = new AbortController();
    for (let run = 0; run < 3; run++) {
      const report = await runMatrix({ checks: [passing, { ...passing, column: "wire" }], signal: lifetime.signal });
      expect(report.ok).toBe(true);
    }
    expect(dependants(lifetime.signal)).toBe(0);
  });

  test("runBufBreaking (a real child, `true` standing in for buf) leaves no entry on it per call", async () => {
    const lifetime = new AbortController();
    const dir = tempDir();
    for (let call = 0; call < 3; call++) {
      expect(await runBufBreaking(dir, dir, { binary: "true", signal: lifetime.signal })).toEqual([]);
    }
    expect(dependants(lifetime.signal)).toBe(0);
  });
});
