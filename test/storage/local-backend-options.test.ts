// createLocalBackend's options are refused as the other entry points refuse theirs (docs/storage.md,
// "A key an options object does not have is refused…", "Options that are not an object…"): options
// that are no object with one message and details.option "options", a misspelt key by its name and
// the nearest one, a dir that is no path saying what it was. It checked dir first and said "needs a
// directory ({ dir })" for all of them: the store's path passed as the options (the CLI's --store,
// a settings value) and { directory } alike, details.option "dir", the value never named.
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLocalBackend, StorageError } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { thrown } from "../support/thrown.js";

function refusal(options: unknown): StorageError {
  const error = thrown(() => createLocalBackend(options as never));
  expect(error).toBeInstanceOf(StorageError);
  expect(error).toMatchObject({ code: "E_BACKEND_REJECTED" });
  return error as StorageError;
}

describe("createLocalBackend's options", () => {
  test.each([
    ["a path string", "/data/status/store", 'createLocalBackend options must be an object (with dir, logger), not the string "/data/status/store"'],
    ["nothing", undefined, "createLocalBackend options must be an object (with dir, logger), not undefined"],
    ["null", null, "createLocalBackend options must be an object (with dir, logger), not null"],
    ["an array", ["/data/status/store"], "createLocalBackend options must be an object (with dir, logger), not an array"],
  ])("%s for the options is refused as options, saying what it was", (_name, options, message) => {
    const error = refusal(options);
    expect(error.message).toBe(message);
    expect(error.details).toMatchObject({ option: "options" });
  });

  test("a key it does not take is named, with the ones it does, even when dir is missing", () => {
    const error = refusal({ directory: join(tempDir(), "store") });
    expect(error.details).toMatchObject({ option: "directory" });
    expect(error.message).toBe('createLocalBackend has no option "directory"; its options are dir, logger');
    const slip = refusal({ Dir: join(tempDir(), "store") });
    expect(slip.details).toMatchObject({ option: "Dir" });
    expect(slip.message).toContain('(did you mean "dir"?)');
  });

  test.each([
    ["a number", 5, "not 5"],
    ["an empty string", "", 'not the string ""'],
    ["missing", undefined, "not undefined"],
  ])("a dir that is %s is refused naming the option and the value", (_name, dir, said) => {
    const error = refusal(dir === undefined ? {} : { dir });
    expect(error.details).toMatchObject({ option: "dir" });
    expect(error.message).toContain("createLocalBackend option dir must be the store's folder (a path)");
    expect(error.message).toContain(said);
  });

  test("a good dir still makes a store", async () => {
    const backend = createLocalBackend({ dir: join(tempDir(), "store") });
    expect(backend.location).toContain("store");
    await backend.close();
  });
});
