/**
 * `createLogger({ level: "verbose" })` (a level from another logger's vocabulary, or a settings
 * file's typo) threw pino's own Error, "unknown level verbose", which named neither the option nor
 * the levels there are. An unknown level is now a RangeError naming the option, the value, the
 * accepted levels and the nearest one, as the package's other option checks do. A level in another
 * case or with spaces around ("INFO", " warn ") is taken, as STATUS_COMPAT_LOG_LEVEL always was:
 * it names one level without doubt, and the same settings file feeds both. Null stays "left out".
 */
import { Writable } from "node:stream";
import { describe, expect, test } from "vitest";
import { createLogger, LOG_LEVELS } from "../../src/obs/index.js";

function sink(): { out: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  return { out, lines: () => chunks.join("").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const refusal = (level: unknown): unknown => {
  try {
    createLogger({ level: level as "info" });
  } catch (error) {
    return error;
  }
  return undefined;
};

describe("createLogger's level option", () => {
  test.each([
    ["verbose", undefined],
    ["warning", "warn"],
    ["inf", "info"],
    ["", undefined],
  ])("level %j: a RangeError naming the option, the value, the levels (and the nearest: %s)", (level, near) => {
    const error = refusal(level);
    expect(error).toBeInstanceOf(RangeError);
    const message = (error as Error).message;
    expect(message).toContain(`createLogger option level must be one of ${LOG_LEVELS.join(", ")}`);
    expect(message).toContain(`not the string ${JSON.stringify(level)}`);
    if (near === undefined) expect(message).not.toContain("did you mean");
    else expect(message).toContain(`(did you mean ${JSON.stringify(near)}?)`);
  });

  test.each([[30], [true], [{}]])("level %j, not a string: a RangeError naming it", (level) => {
    const error = refusal(level);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toContain(`createLogger option level must be one of`);
  });

  test.each([
    ["INFO", "info", 30],
    [" Warn ", "warn", 40],
    ["DEBUG", "debug", 20],
  ])("level %j is taken as %s", (level, name, value) => {
    const { out, lines } = sink();
    const log = createLogger({ level: level as "info", destination: out });
    expect(log.level).toBe(name);
    log.trace("below");
    log.fatal("above");
    expect(lines().map((l) => l["level"])).toEqual([60]);
    expect(value).toBe(log.levels.values[name]);
  });

  test("null is the option left out: the default level", () => {
    const { out } = sink();
    expect(createLogger({ level: null as unknown as "info", destination: out }).level).toBe(createLogger({ destination: out }).level);
  });
});
