/**
 * An STATUS_COMPAT_LOG_LEVEL that names no level was said on stderr only by the commands whose run
 * made a logger (commandLogger): `releases` and `migrate status` ran without a word, so an operator
 * who set "verbose" waited for logs that never came. Every command now says it once and runs at the
 * default level (warn). The table names every command `status-compat help` lists: a command added
 * without a row here fails the first test.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { commands } from "../../src/cli/commands/index.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture } from "../state/support/files.js";

const WARNING = /^STATUS_COMPAT_LOG_LEVEL "verbose" is no level \(trace, debug, info, warn, error, fatal, silent\); logging at warn$/;

/** A level-2 state database (release 0.2.0's), in a folder removed after the test. */
const db = (): string => copyFixture(2, tempDir(), "state.sqlite");

/** Each command's arguments for a run that does its work (or refuses its input) quickly. */
const invocations: Record<string, () => string[]> = {
  matrix: () => ["matrix", "--only", "negotiate"],
  releases: () => ["releases"],
  "schema check": () => ["schema", "check", "--from", "1", "--to", "2"],
  migrate: () => ["migrate", "status", "--db", db()],
  upgrade: () => ["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db", db(), "--dry-run"],
  "state fixture": () => ["state", "fixture", "--release", "0.1.0", "--rows", "5", "--out", join(tempDir(), "f.sqlite")],
  "file put": () => {
    const source = join(tempDir(), "photo.jpg");
    writeFileSync(source, Buffer.alloc(4096, 7));
    return ["file", "put", source, "--home", join(tempDir(), "home")];
  },
  "file get": () => ["file", "get", "not-a-reference", "--out", join(tempDir(), "out.jpg"), "--home", join(tempDir(), "home")],
};

interface LogLine {
  level: number;
  msg?: string;
}

function logLines(stderr: string): LogLine[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogLine);
}

describe("STATUS_COMPAT_LOG_LEVEL naming no level, for every command", () => {
  test("the table has a row for every command", () => {
    expect(Object.keys(invocations).sort()).toEqual(commands.map((c) => c.path.join(" ")).sort());
  });

  test.for(commands.map((c) => c.path.join(" ")))("%s: one warning on stderr, nothing below warn, the same exit status as without it", async (name) => {
    const invocation = invocations[name];
    expect(invocation, `no row for ${name}`).toBeDefined();
    const args = (invocation as () => string[])();
    const plain = await runCliInProcess((invocation as () => string[])(), { ...process.env, STATUS_COMPAT_LOG_LEVEL: "" });

    const r = await runCliInProcess(args, { ...process.env, STATUS_COMPAT_LOG_LEVEL: "verbose" });

    const lines = logLines(r.stderr);
    expect(lines.filter((l) => WARNING.test(l.msg ?? "")), r.stderr).toHaveLength(1);
    expect(lines.every((l) => l.level >= 40), r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(plain.code);
    expect(logLines(plain.stderr).some((l) => /STATUS_COMPAT_LOG_LEVEL/.test(l.msg ?? ""))).toBe(false);
  });

  test("a level in any case and with spaces (' Info ') is taken without a warning by a command that logs none itself", async () => {
    const r = await runCliInProcess(["releases"], { ...process.env, STATUS_COMPAT_LOG_LEVEL: " Info " });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
  });
});
