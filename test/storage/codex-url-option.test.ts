// createCodexBackend without a url, or with one that is no string (a port number, a settings
// value left empty), said "Codex API URL is not a valid URL; expected something like
// http://127.0.0.1:8080.": the words for a string that does not parse, for a URL never given. The
// other options say what was wrong with the value (docs/storage.md: "A wrong value is worded alike
// in every layer's message"); now url does too. A string that does not parse keeps its words (the
// CLI names the flag and the value beside them: test/cli/file-codex-url-words.test.ts).
import { describe, expect, test } from "vitest";
import { createCodexBackend, StorageError } from "../../src/storage/index.js";
import { thrown } from "../support/thrown.js";

describe("createCodexBackend's url", () => {
  test.each([
    ["missing", {}, "not undefined"],
    ["a number", { url: 8080 }, "not 8080"],
    ["null", { url: null }, "not null"],
    ["an object", { url: { host: "127.0.0.1" } }, "not an object"],
  ])("%s is refused saying the option wants the node's URL as a string, and what it was", (_name, options, said) => {
    const error = thrown(() => createCodexBackend(options as never));
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_BACKEND_REJECTED", details: { option: "url" } });
    expect((error as Error).message).toBe(`createCodexBackend option url must be the node's URL as a string, such as http://127.0.0.1:8080, ${said}`);
  });

  test("a string that is no URL keeps its words; a URL object is taken as before", async () => {
    expect(thrown(() => createCodexBackend({ url: "not a url" }))).toMatchObject({ message: "Codex API URL is not a valid URL; expected something like http://127.0.0.1:8080." });
    const backend = createCodexBackend({ url: new URL("http://127.0.0.1:8080") as never });
    expect(backend.location).toContain("127.0.0.1:8080");
    await backend.close();
  });
});
