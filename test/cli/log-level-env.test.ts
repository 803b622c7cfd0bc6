import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

/** The pino levels of the JSON lines a run wrote to stderr. */
function levelsIn(stderr: string): number[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => (JSON.parse(line) as { level: number }).level);
}

async function putWithLevel(level: string): Promise<{ code: number; stderr: string }> {
  const home = tempDir();
  const source = join(home, "photo.jpg");
  writeFileSync(source, Buffer.alloc(64 * 1024, 7));
  return runCliInProcess(["file", "put", source, "--home", join(home, "home")], { ...process.env, STATUS_COMPAT_LOG_LEVEL: level });
}

describe("STATUS_COMPAT_LOG_LEVEL", () => {
  it("takes a level in any case and with spaces around it ('DEBUG' from an operator's env file logged nothing below warn)", async () => {
    const r = await putWithLevel(" DEBUG ");
    expect(r.code, r.stderr).toBe(0);
    expect(levelsIn(r.stderr).some((level) => level <= 20)).toBe(true);
  });

  it("that names no level says so on stderr, naming the value and the levels, and keeps the default (warn)", async () => {
    const r = await putWithLevel("verbose");
    expect(r.code, r.stderr).toBe(0);
    const levels = levelsIn(r.stderr);
    expect(levels.every((level) => level >= 40)).toBe(true);
    const messages = r.stderr.split("\n").filter((line) => line.startsWith("{")).map((line) => (JSON.parse(line) as { msg?: string }).msg ?? "");
    expect(messages).toContainEqual(expect.stringMatching(/^STATUS_COMPAT_LOG_LEVEL "verbose" is no level \(trace, .*silent\)/));
  });
});
