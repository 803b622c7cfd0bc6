/**
 * createCodexBackend's options often come from an app's settings file, where a number is easily
 * written as text and nothing checks a type. docs/codex-backend.md: bad configuration throws
 * StorageError E_BACKEND_REJECTED naming the option. Before, a timeout given as text was refused
 * as "got 30000." (a value in range, to the reader), and an apiPrefix that is not a string threw
 * Node's raw TypeError "prefix.trim is not a function".
 */
import { describe, expect, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { thrown } from "../support/thrown.js";

const url = "http://127.0.0.1:8080";

describe("createCodexBackend given option values of the wrong type", () => {
  test.each(["requestTimeoutMs", "idleTimeoutMs"])("%s as text is refused saying it was text", (option) => {
    const error = thrown(() => createCodexBackend({ url, [option]: "30000" }));
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_BACKEND_REJECTED", details: { option } });
    expect((error as Error).message).toContain(`must be a whole number of milliseconds between 1 and 2147483647; got the string "30000"`);
    // A number out of range still reads as the number.
    expect((thrown(() => createCodexBackend({ url, [option]: 1.5 })) as Error).message).toMatch(/got 1\.5\.$/);
  });

  test.each([1, null, { prefix: "/api/codex/v1" }])("apiPrefix %o is E_BACKEND_REJECTED naming the option, not a TypeError", (apiPrefix) => {
    const error = thrown(() => createCodexBackend({ url, apiPrefix: apiPrefix as unknown as string }));
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_BACKEND_REJECTED", details: { option: "apiPrefix" } });
    expect((error as Error).message).toMatch(/Codex backend option apiPrefix must be a URL path \(\/api\/codex\/v1 or \/api\/storage\/v1\), not (1|null|an object)\./);
  });
});
