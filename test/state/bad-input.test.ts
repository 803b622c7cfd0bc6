import { chmodSync, closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { inspectState, migrateState, openState, rehearseUpgrade, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File, siblings } from "./support/files.js";

/** Runs `attempt`, expects a StateError with `code`, and that the file and its folder are exactly as before. */
async function refusedUntouched(path: string, code: string, attempt: () => Promise<unknown>): Promise<StateError> {
  const hash = sha256File(path);
  const files = siblings(path);
  const error = await attempt().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(StateError);
  expect((error as StateError).code).toBe(code);
  expect(sha256File(path)).toBe(hash);
  expect(siblings(path)).toEqual(files);
  return error as StateError;
}

function overwrite(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, "r+");
  writeSync(fd, bytes, 0, bytes.length, offset);
  closeSync(fd);
}

describe("bad input gets its own error and nothing is written", () => {
  test("a text file, a short file and random bytes are not databases", async () => {
    const dir = tempDir();
    const cases = {
      "notes.txt": Buffer.from("these are my notes, not a database\n".repeat(40)),
      "short.bin": Buffer.from("SQLite format 3\0"),
      "random.bin": Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 131 + 7) & 0xff)),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const e = await refusedUntouched(path, "E_STATE_NOT_A_DATABASE", () => openState({ path }));
      expect(e.message).toContain(path);
      await refusedUntouched(path, "E_STATE_NOT_A_DATABASE", () => migrateState({ path, direction: "up" }));
      await refusedUntouched(path, "E_STATE_NOT_A_DATABASE", async () => inspectState(path));
      await refusedUntouched(path, "E_STATE_NOT_A_DATABASE", () => rehearseUpgrade({ path, from: "0.1.0", to: "0.2.0", workDir: dir }));
    }
  });

  test("a corrupt schema page is E_STATE_CORRUPT", async () => {
    const path = copyFixture(1, tempDir());
    overwrite(path, 4000, Buffer.alloc(96, 0xa5));
    const e = await refusedUntouched(path, "E_STATE_CORRUPT", () => openState({ path }));
    expect(e.message).toMatch(/is corrupt .*nothing was changed/);
    await refusedUntouched(path, "E_STATE_CORRUPT", async () => inspectState(path));
  });

  test("a corrupt data page is E_STATE_CORRUPT before the first migration runs, file unchanged", async () => {
    const path = copyFixture(1, tempDir());
    const db = new Database(path);
    const page = db.prepare("SELECT pageno FROM dbstat WHERE name = 'inline_attachments' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 3").pluck().get() as number;
    const pageSize = db.pragma("page_size", { simple: true }) as number;
    db.close();
    overwrite(path, (page - 1) * pageSize + 8, Buffer.alloc(64, 0xff));
    const e = await refusedUntouched(path, "E_STATE_CORRUPT", () => openState({ path }));
    expect(e.message).toMatch(/corrupt .*check it before migrating; nothing was changed|fails PRAGMA quick_check .*nothing was written/);
  });

  test("a read-only file is E_STATE_READ_ONLY for writers, and still opens read-only", async () => {
    const path = copyFixture(2, tempDir());
    chmodSync(path, 0o444);
    const e = await refusedUntouched(path, "E_STATE_READ_ONLY", () => openState({ path }));
    expect(e.message).toMatch(/is read-only; the client needs to write its state/);
    await refusedUntouched(path, "E_STATE_READ_ONLY", () => migrateState({ path, direction: "up" }));
    await refusedUntouched(path, "E_STATE_READ_ONLY", () => rehearseUpgrade({ path, from: "0.2.0", to: "0.3.0", dryRun: false }));
    const h = await openState({ path, level: 2, readOnly: true });
    expect(h.db.prepare("SELECT count(*) FROM peers").pluck().get()).toBeGreaterThan(0);
    h.close();
  });

  test("a database from the future is E_STATE_FROM_FUTURE for every entry point", async () => {
    const path = copyFixture(3, tempDir());
    const db = new Database(path);
    // What a level-5 build would record: compat level 4, beyond everything this build knows.
    db.exec("UPDATE _state_migrations SET level = 5, compat_level = 4 WHERE name = '0003_level3_codex_first'");
    db.exec("UPDATE _state_migrations SET name = '0005_level5_future' WHERE name = '0003_level3_codex_first'");
    db.exec("UPDATE _state_version SET level = 5, compat_level = 4");
    db.pragma("user_version = 5");
    db.close();
    const e = await refusedUntouched(path, "E_STATE_FROM_FUTURE", () => openState({ path }));
    expect(e.message).toMatch(/state level 5 and needs code at level 4 or newer; this code runs level 3/);
    await refusedUntouched(path, "E_STATE_FROM_FUTURE", () => migrateState({ path, direction: "up" }));
    expect(inspectState(path).problem?.code).toBe("E_STATE_FROM_FUTURE");
  });

  test("a directory instead of a file is not a database", async () => {
    const dir = tempDir();
    await expect(openState({ path: dir })).rejects.toMatchObject({ code: "E_STATE_NOT_A_DATABASE" });
  });
});
