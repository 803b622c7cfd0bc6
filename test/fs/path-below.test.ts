/**
 * pathBelow: the one reading of "is this path inside that folder" (the storage client's own files
 * and a backend's folders, the CLI's home, the schema check's displayed paths). path.relative()'s
 * answer was read as outside when it started with "..", so a first name starting with two dots
 * ("..cache", "..x") was taken for a step up.
 */
import { join, resolve, sep } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { pathBelow } from "../../src/fs/index.js";

const folder = resolve("/srv", "home");

describe("pathBelow", () => {
  test.each([
    [join(folder, "..cache"), "..cache"],
    [join(folder, "..x", "y"), join("..x", "y")],
    [join(folder, "...", "z"), join("...", "z")],
    [join(folder, "data", "..part"), join("data", "..part")],
    [join(folder, "store"), "store"],
  ])("%s is inside, as %s", (path, rel) => {
    expect(pathBelow(folder, path)).toBe(rel);
  });

  test.each([folder, `${folder}${sep}`, resolve(folder, ".."), resolve(folder, "..", "other"), resolve(folder, "..", "home..x"), resolve("/elsewhere")])("%s is not inside", (path) => {
    expect(pathBelow(folder, path)).toBeUndefined();
  });

  test("a path made of names below the folder (any, dotted ones too) is inside as those names; one step up from it is not", () => {
    const name = fc.stringMatching(/^[.a-z]{1,6}$/).filter((n) => n !== "." && n !== "..");
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 4 }), (names) => {
        expect(pathBelow(folder, join(folder, ...names))).toBe(join(...names));
        expect(pathBelow(join(folder, ...names), folder)).toBeUndefined();
      }),
    );
  });
});
