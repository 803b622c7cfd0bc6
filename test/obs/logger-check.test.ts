/**
 * The one check of a `logger` option (src/obs/logger-check.ts), which the storage client, its
 * backends and runMatrix each refuse with their own error: a logger has child() and the levels
 * library code logs at; the words say what was given instead.
 */
import { describe, expect, it } from "vitest";
import { createLogger, silentLogger } from "../../src/obs/index.js";
import { isLogger, lackingMethods, loggerProblem } from "../../src/obs/logger-check.js";

describe("a logger option", () => {
  it("takes what this package makes", () => {
    expect(isLogger(createLogger({ level: "silent" }))).toBe(true);
    expect(isLogger(silentLogger())).toBe(true);
    expect(loggerProblem(silentLogger().child({ component: "x" }))).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ["console", console, "console (it has no child())"],
    ["an object with child() alone", { child: () => undefined }, "an object without debug(), info(), warn()"],
    ["an object whose info is no function", { child: () => undefined, debug: () => undefined, info: 1, warn: () => undefined }, "an object without info()"],
    ["a string", "debug", 'the string "debug"'],
    ["a function", () => undefined, "a function"],
    ["null", null, "null"],
    ["an array", [], "an array"],
  ])("refuses %s, saying what it is", (_label, value, words) => {
    expect(isLogger(value)).toBe(false);
    expect(loggerProblem(value)).toBe(words);
  });

  it("words any other object's missing methods the same way (the storage client's clock and metrics)", () => {
    expect(lackingMethods({ now: 5 }, ["now"])).toBe("an object without now()");
    expect(lackingMethods(console, ["now"])).toBe("console (it has no now())");
    expect(lackingMethods({ now: () => 0 }, ["now"])).toBeUndefined();
  });
});
