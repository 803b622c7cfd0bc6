/**
 * openState's refusals say the file was not touched ("The file was not touched", "nothing was
 * written"). For a file whose last commits are still in its -wal (an app killed before its
 * checkpoint: a newer release on a file from the future, a crash that left a corrupt page), the
 * refused connection, the last to close, checkpointed that -wal into the file (new bytes, new
 * mtime) and deleted it.
 */
import { existsSync, statSync } from "node:fs";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { openState, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, fixtureWithCommitsInWal, sha256File } from "./support/files.js";

function looks(path: string): Record<string, unknown> {
  const wal = `${path}-wal`;
  return { file: sha256File(path), mtime: statSync(path).mtimeMs, wal: existsSync(wal) ? sha256File(wal) : undefined, walMtime: existsSync(wal) ? statSync(wal).mtimeMs : undefined };
}

describe("a refused open of a file whose last commits are in its -wal", () => {
  test("from the future (release 0.1.0 on a level-3 file): E_STATE_FROM_FUTURE, the file and its -wal as they were", async () => {
    const path = fixtureWithCommitsInWal(3, tempDir());
    const before = looks(path);
    const outcome = await openState({ path, release: "0.1.0" }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(StateError);
    expect(outcome).toMatchObject({ code: "E_STATE_FROM_FUTURE" });
    expect(looks(path)).toEqual(before);
  });

  test("behind, with migrating not allowed: E_STATE_NEEDS_MIGRATION, the file and its -wal as they were", async () => {
    const path = fixtureWithCommitsInWal(1, tempDir());
    const before = looks(path);
    const outcome = await openState({ path, migrate: false }).catch((e: unknown) => e);
    expect(outcome).toMatchObject({ code: "E_STATE_NEEDS_MIGRATION" });
    expect(looks(path)).toEqual(before);
  });

  test("an open that succeeds sees the peer only its -wal holds, and its close checkpoints it as a client's does", async () => {
    const fixture = new Database(copyFixture(3, tempDir()), { readonly: true });
    const fixturePeers = fixture.prepare("SELECT count(*) FROM peers").pluck().get() as number;
    fixture.close();
    const path = fixtureWithCommitsInWal(3, tempDir());
    const state = await openState({ path });
    expect(state.db.prepare("SELECT count(*) FROM peers").pluck().get()).toBe(fixturePeers + 1);
    state.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});
