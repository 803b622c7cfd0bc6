/**
 * openState is a library call (an application passes { path }); its refusals of a folder and of
 * someone else's SQLite database told the caller to "point --db at the state database file", a
 * flag of the CLI that a library user never passed. They now name the path they were given and
 * what to pass instead; the CLI, whose --db is that path, reads the same.
 */
import { chmodSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { openState, rehearseUpgrade } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture } from "./support/files.js";

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

  test("rehearseUpgrade with `to` older than `from`, and a real upgrade of a read-only file: the options it was given, not CLI flags", async () => {
    const dir = tempDir();
    const path = copyFixture(1, dir);
    const backwards = await rehearseUpgrade({ path, from: "0.2.0", to: "0.1.0", workDir: dir }).catch((e: unknown) => e);
    expect(backwards).toMatchObject({ code: "E_STATE_LEVEL_UNKNOWN" });
    expect((backwards as Error).message).not.toMatch(/--to|--from/);
    expect((backwards as Error).message).toMatch(/0\.1\.0.*0\.2\.0/);
    chmodSync(path, 0o444);
    const readOnly = await rehearseUpgrade({ path, from: "0.1.0", to: "0.2.0", workDir: dir, dryRun: false }).catch((e: unknown) => e);
    expect(readOnly).toMatchObject({ code: "E_STATE_READ_ONLY" });
    expect((readOnly as Error).message).not.toMatch(/--dry-run/);
  });
});
