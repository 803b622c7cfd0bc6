/**
 * refuseUnknownKeys / optionsObject: a key an entry does not take is refused, naming it, the keys
 * it does take and the nearest of them, whatever its value; null is no options.
 */
import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { keysOf, optionsObject, refuseUnknownKeys } from "../../src/storage/option-keys.js";
import { StorageError } from "../../src/storage/index.js";
import { thrown } from "../support/thrown.js";

const KNOWN = ["quotaBytes", "retry", "out", "dataDir"] as const;

function refusal(run: () => unknown): StorageError {
  const error = thrown(run);
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}

describe("refuseUnknownKeys", () => {
  test("names the key, the nearest known one, and every known one", () => {
    const error = refusal(() => refuseUnknownKeys("the storage client", { quota: 5 }, KNOWN));
    expect(error.code).toBe("E_UNSUPPORTED");
    expect(error.details).toEqual({ option: "quota" });
    expect(error.message).toBe('the storage client has no option "quota" (did you mean "quotaBytes"?); its options are quotaBytes, retry, out, dataDir');
  });

  test("suggests a case or spelling away, not a short name inside a longer one", () => {
    expect(refusal(() => refuseUnknownKeys("x", { datadir: "d" }, KNOWN)).message).toContain('did you mean "dataDir"?');
    expect(refusal(() => refuseUnknownKeys("x", { retries: {} }, KNOWN)).message).toContain('did you mean "retry"?');
    expect(refusal(() => refuseUnknownKeys("x", { timeout: 1 }, KNOWN)).message).not.toContain("did you mean");
    expect(refusal(() => refuseUnknownKeys("x", { path: "a" }, KNOWN)).message).not.toContain("did you mean");
  });

  test("takes the code it is given", () => {
    expect(refusal(() => refuseUnknownKeys("createLocalBackend", { directory: "d" }, ["dir"], "E_BACKEND_REJECTED")).code).toBe("E_BACKEND_REJECTED");
  });

  test.prop([fc.dictionary(fc.constantFrom(...KNOWN), fc.anything())])("known keys pass, whatever their values", (given) => {
    expect(() => refuseUnknownKeys("x", given, KNOWN)).not.toThrow();
  });

  test.prop([fc.string({ minLength: 1 }).filter((key) => !(KNOWN as readonly string[]).includes(key) && key !== "__proto__"), fc.anything()])(
    "any other key is refused whatever its value (undefined too), named in details",
    (key, value) => {
      const error = refusal(() => refuseUnknownKeys("x", { [key]: value }, KNOWN));
      expect(error.details).toEqual({ option: key });
      expect(error.message).toContain(JSON.stringify(key));
    },
  );
});

describe("optionsObject", () => {
  test("undefined and null are no options", () => {
    expect(optionsObject("fetch", undefined, ["out"])).toEqual({});
    expect(optionsObject("fetch", null, ["out"])).toEqual({});
  });

  test("a string, a number or an array is refused, saying what it was", () => {
    const path = refusal(() => optionsObject("fetch", "copy.jpg" as unknown as object, ["out"]));
    expect(path.code).toBe("E_UNSUPPORTED");
    expect(path.message).toBe('fetch options must be an object (with out) or left out, not the string "copy.jpg"');
    expect(refusal(() => optionsObject("fetch", 5 as unknown as object, ["out"])).message).toContain("not 5");
    expect(refusal(() => optionsObject("fetch", [] as unknown as object, ["out"])).message).toContain("not an array");
  });

  test("an object with known keys comes back as given", () => {
    const given = { out: "a" };
    expect(optionsObject("fetch", given, ["out"])).toBe(given);
  });
});

describe("keysOf", () => {
  test("lists the keys given, frozen", () => {
    const keys = keysOf<{ a?: number; b: string }>()({ a: true, b: true });
    expect(keys).toEqual(["a", "b"]);
    expect(Object.isFrozen(keys)).toBe(true);
  });
});
