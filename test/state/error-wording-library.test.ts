/**
 * openState is a library call (an application passes { path }); its refusals of a folder and of
 * someone else's SQLite database told the caller to "point --db at the state database file", a
 * flag of the CLI that a library user never passed. They now name the path they were given and
 * what to pass instead; the CLI, whose --db is that path, reads the same.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { openState } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";

describe("state errors speak to a library caller", () => {
  test("a folder given as the state path: E_STATE_NOT_A_DATABASE without a CLI flag", async () => {
    const dir = tempDir();
    const error = await openState({ path: dir }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_STATE_NOT_A_DATABASE" });
    expect((error as Error).message).toContain(dir);
    expect((error as Error).message).not.toMatch(/--db/);
    expect((error as Error).message).toMatch(/state database file/);
  });

  test("another application's SQLite database: E_STATE_UNRECOGNIZED without a CLI flag", async () => {
    const path = join(tempDir(), "other.db");
    const db = new Database(path);
    db.exec("CREATE TABLE photos (id INTEGER PRIMARY KEY)");
    db.close();
    const error = await openState({ path }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_STATE_UNRECOGNIZED" });
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).not.toMatch(/--db/);
  });
});
