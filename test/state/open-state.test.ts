import { readdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { openState, runReleaseQueries, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { PROJECT_ROOT } from "../support/cli.js";
import { copyFixture, sha256File, siblings, STATE_FIXTURES } from "./support/files.js";
import { readOnlyFolderWith, runScriptFor } from "./support/read-only-folder.js";

async function refusedWith(code: string, promise: Promise<unknown>): Promise<StateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StateError);
  expect((error as StateError).code).toBe(code);
  return error as StateError;
}

describe("openState", () => {
  test("creates a new file at the requested level, in WAL with foreign keys on", async () => {
    const dir = tempDir();
    for (const level of [1, 2, 3]) {
      const h = await openState({ path: join(dir, `new${level}.db`), level });
      try {
        expect({ level: h.level, compat: h.compatLevel, code: h.codeLevel }).toEqual({ level, compat: [1, 1, 2][level - 1], code: level });
        expect(h.applied.map((a) => a.level)).toEqual([1, 2, 3].slice(0, level));
        expect(h.db.pragma("journal_mode", { simple: true })).toBe("wal");
        expect(h.db.pragma("foreign_keys", { simple: true })).toBe(1);
        expect(h.db.pragma("user_version", { simple: true })).toBe(level);
        expect(runReleaseQueries(h.db, level).failed).toEqual([]);
      } finally {
        h.close();
      }
    }
  });

  test("a release string resolves through the release table; a bad one raises its typed error", async () => {
    const dir = tempDir();
    const h = await openState({ path: join(dir, "r.db"), release: "0.2.7" });
    expect(h.codeLevel).toBe(2);
    h.close();
    const error = await openState({ path: join(dir, "r.db"), release: "banana" }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("E_RELEASE_INVALID");
    await refusedWith("E_STATE_LEVEL_UNKNOWN", openState({ path: join(dir, "r.db"), level: 9 }));
  });

  test("reopening at the same level runs nothing; a file behind is migrated up to the code's level", async () => {
    const dir = tempDir();
    const path = copyFixture(1, dir);
    const h = await openState({ path, level: 2 });
    expect(h.applied.map((a) => a.name)).toEqual(["0002_level2_dual_path"]);
    h.close();
    const again = await openState({ path, level: 2 });
    expect(again.applied).toEqual([]);
    again.close();
  });

  test("release N keeps using a file N+1 upgraded (compat window), reads its old data and writes new rows", async () => {
    const dir = tempDir();
    for (const [older, newer] of [[1, 2], [2, 3]] as const) {
      const path = copyFixture(older, dir, `window-${older}.db`);
      const before = new Database(path, { readonly: true });
      const peers = before.prepare("SELECT count(*) FROM peers").pluck().get();
      before.close();
      (await openState({ path, level: newer })).close();
      const h = await openState({ path, level: older });
      try {
        expect(h.level).toBe(newer);
        expect(h.codeLevel).toBe(older);
        expect(h.applied).toEqual([]);
        expect(h.db.prepare("SELECT count(*) FROM peers").pluck().get()).toBe(peers);
        expect(runReleaseQueries(h.db, older).failed).toEqual([]);
        h.db.prepare("INSERT INTO peers (public_key, protocol_min, protocol_max, seen_at) VALUES (?, 1, 1, 1)").run(`0x04${"ab".repeat(64)}`);
      } finally {
        h.close();
      }
    }
  });

  test("a file two levels ahead is refused with E_STATE_FROM_FUTURE and left byte-for-byte untouched", async () => {
    const dir = tempDir();
    const path = copyFixture(3, dir);
    const hash = sha256File(path);
    const files = siblings(path);
    const error = await refusedWith("E_STATE_FROM_FUTURE", openState({ path, level: 1 }));
    expect(error.message).toMatch(/state level 3 and needs code at level 2 or newer; this code runs level 1/);
    expect(error.details).toMatchObject({ level: 3, compatLevel: 2, codeLevel: 1 });
    expect(sha256File(path)).toBe(hash);
    expect(siblings(path)).toEqual(files);
  });

  test("a missing file with migrating not allowed is E_STATE_NOT_FOUND and nothing is created (it was refused as 'at state level 0' and an empty file was left)", async () => {
    const dir = tempDir();
    const error = await refusedWith("E_STATE_NOT_FOUND", openState({ path: join(dir, "absent.db"), migrate: false }));
    expect(error.message).toMatch(/does not exist; migrating is not allowed, so it was not created/);
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a file behind is refused when migrating is not allowed, and in read-only mode", async () => {
    const dir = tempDir();
    const path = copyFixture(1, dir);
    const hash = sha256File(path);
    await refusedWith("E_STATE_NEEDS_MIGRATION", openState({ path, level: 3, migrate: false }));
    await refusedWith("E_STATE_NEEDS_MIGRATION", openState({ path, level: 3, readOnly: true }));
    expect(sha256File(path)).toBe(hash);
    const ro = await openState({ path, level: 1, readOnly: true });
    expect(() => ro.db.prepare("DELETE FROM peers").run()).toThrow(/readonly/i);
    ro.close();
    await refusedWith("E_STATE_NOT_FOUND", openState({ path: join(dir, "absent.db"), readOnly: true }));
    await refusedWith("E_STATE_IO", openState({ path: join(dir, "no-such-folder", "state.db") }));
  });

  test("a WAL file where no file can be created beside it (a read-only file system): both opens refuse with E_STATE_READ_ONLY saying SQLite must create its -shm and what to do; readOnly failed E_STATE_IO 'unable to open database file', after the read-write refusal had said to open it readOnly", async () => {
    const folder = readOnlyFolderWith([join(STATE_FIXTURES, "level3.sqlite")]);
    const path = join(folder.dir, "level3.sqlite");
    const outcomes: Record<string, { code?: string; message?: string }> = {};
    for (const mode of ["read-only", "read-write"]) {
      const r = await runScriptFor(folder, "test/state/support/open-state-child.ts", [path, mode], PROJECT_ROOT);
      expect(r.code, `${folder.how}: ${r.stderr}`).toBe(0);
      outcomes[mode] = JSON.parse(r.stdout) as { code?: string; message?: string };
    }
    for (const mode of ["read-only", "read-write"]) {
      expect(outcomes[mode], `${mode} (${folder.how})`).toMatchObject({ code: "E_STATE_READ_ONLY" });
      expect(outcomes[mode]?.message).toContain(`${path}-shm`);
      expect(outcomes[mode]?.message).not.toContain("open it with readOnly");
    }
    expect(readdirSync(folder.dir)).toEqual(["level3.sqlite"]);
  });
});
