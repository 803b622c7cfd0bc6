/**
 * writeFixture called by the library (the CLI's `state fixture --out` resolves links itself, since
 * e0ed063) with a symbolic link as `out`: it decides, before any work, what the CLI decides. A
 * dangling link gives the file it names, which is made there (the link then reaches it); a loop of
 * links, and another user's link in a sticky folder everyone may write, are refused. Given the
 * dangling link, the whole fixture was written and then refused "already exists", the link having
 * taken the name. Real files; "before any work" is read from the writer's log, which says each
 * table it wrote.
 */
import { chmodSync, lchownSync, lstatSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLogger } from "../../src/obs/index.js";
import { inspectState, StateError, writeFixture } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";

/** A debug logger and the lines it wrote. */
function recordingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: "debug", destination: { write: (line: string) => void lines.push(line) } }), lines };
}

function tablesWritten(lines: readonly string[]): number {
  return lines.filter((line) => line.includes("fixture table written")).length;
}

describe("writeFixture with a symbolic link as out", () => {
  test("a dangling link: the fixture is made as the file it names, the link stays and reaches it, nothing is left beside either", async () => {
    const dir = tempDir("scc-fixture-link-");
    mkdirSync(join(dir, "disk"));
    const target = join(dir, "disk", "level2.sqlite");
    const link = join(dir, "level2.sqlite");
    symlinkSync(target, link);
    const summary = await writeFixture({ out: link, level: 2, rows: 200 });
    expect(summary).toMatchObject({ path: link, level: 2, rows: 200 });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(lstatSync(target).isFile()).toBe(true);
    expect(inspectState(link)).toMatchObject({ level: 2, problem: undefined });
    expect(readdirSync(join(dir, "disk"))).toEqual(["level2.sqlite"]);
    expect(readdirSync(dir).sort()).toEqual(["disk", "level2.sqlite"]);
  });

  test("a chain of links ending at a missing file: made as that file", async () => {
    const dir = tempDir("scc-fixture-link-");
    mkdirSync(join(dir, "disk"));
    symlinkSync("disk/second", join(dir, "first"));
    symlinkSync("state.sqlite", join(dir, "disk", "second"));
    await writeFixture({ out: join(dir, "first"), level: 1, rows: 50 });
    expect(lstatSync(join(dir, "disk", "state.sqlite")).isFile()).toBe(true);
    expect(inspectState(join(dir, "first"))).toMatchObject({ level: 1, problem: undefined });
  });

  test("a loop of links: E_STATE_IO before any table is written, and no file made", async () => {
    const dir = tempDir("scc-fixture-link-");
    symlinkSync(join(dir, "b"), join(dir, "a"));
    symlinkSync(join(dir, "a"), join(dir, "b"));
    const { logger, lines } = recordingLogger();
    const error = (await writeFixture({ out: join(dir, "a"), level: 2, rows: 200, logger }).then(() => undefined, (e: unknown) => e)) as StateError;
    expect(error).toBeInstanceOf(StateError);
    expect(error.code).toBe("E_STATE_IO");
    expect(error.message).toContain("a loop of links");
    expect(tablesWritten(lines), "tables written before the refusal").toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["a", "b"]);
  });

  test("a link to an existing file or folder: refused before any table is written, naming what the link reaches", async () => {
    const dir = tempDir("scc-fixture-link-");
    mkdirSync(join(dir, "folder"));
    symlinkSync(join(dir, "folder"), join(dir, "to-folder"));
    const { logger, lines } = recordingLogger();
    const error = (await writeFixture({ out: join(dir, "to-folder"), level: 2, rows: 200, logger }).then(() => undefined, (e: unknown) => e)) as StateError;
    expect(error).toMatchObject({ code: "E_STATE_IO" });
    expect(error.message).toContain(`already exists (the file its symbolic link names, ${join(dir, "folder")})`);
    expect(tablesWritten(lines)).toBe(0);
    expect(readdirSync(join(dir, "folder"))).toEqual([]);
  });

  // Root only: giving a link to another user takes it.
  test.runIf(process.getuid?.() === 0)("another user's dangling link in a sticky folder everyone may write: refused before any table is written; the file it names is not made", async () => {
    const dir = tempDir("scc-fixture-link-");
    const shared = join(dir, "tmp");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const chosen = join(dir, "chosen.sqlite");
    const out = join(shared, "fixture.sqlite");
    symlinkSync(chosen, out);
    lchownSync(out, 65534, 65534);
    const { logger, lines } = recordingLogger();
    const error = (await writeFixture({ out, level: 2, rows: 200, logger }).then(() => undefined, (e: unknown) => e)) as StateError;
    expect(error).toMatchObject({ code: "E_STATE_IO", details: { path: out, uid: 65534 } });
    expect(error.message).toContain("symbolic link of another user (uid 65534)");
    expect(tablesWritten(lines)).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["tmp"]);
  });
});
