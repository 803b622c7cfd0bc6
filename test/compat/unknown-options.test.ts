/**
 * A CI script passes runMatrix's and checkSchemaChain's options from its own settings: a misspelt
 * key (`cellTimeout` for `cellTimeoutMs`, `bufPath` for `buf`) was ignored and the run went on with
 * the default. Refused now with a TypeError naming it and the nearest key, before any cell runs.
 */
import { expect, test } from "vitest";
import { checkSchemaChain, runMatrix, type MatrixCheck } from "../../src/compat/index.js";

test("runMatrix refuses a key it does not take before running a cell", async () => {
  let ran = 0;
  const check: MatrixCheck = { column: "wire", proves: "counts its runs", run: async () => ((ran += 1), { status: "pass", detail: "ok" }) };
  await expect(runMatrix({ checks: [check], cellTimeout: 1_000 } as never)).rejects.toThrow(
    new TypeError('runMatrix has no option "cellTimeout" (did you mean "cellTimeoutMs"?); its options are table, checks, logger, signal, workDir, cellTimeoutMs, cellTimeoutName, onCell'),
  );
  expect(ran).toBe(0);
  await runMatrix({ checks: [check] });
  expect(ran).toBeGreaterThan(0);
});

test("checkSchemaChain refuses a key it does not take", async () => {
  await expect(checkSchemaChain([], { bufPath: "tools/buf" } as never)).rejects.toThrow(
    new TypeError('checkSchemaChain has no option "bufPath"; its options are buf, signal, logger'),
  );
});
