/**
 * openState's refusals say the file was not touched ("The file was not touched", "nothing was
 * written"). For a file whose last commits are still in its -wal (an app killed before its
 * checkpoint: a newer release on a file from the future, a crash that left a corrupt page), the
 * refused connection, the last to close, checkpointed that -wal into the file (new bytes, new
 * mtime) and deleted it.
 */
import { copyFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { openState, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "./support/files.js";

/** A copy of a level-`level` fixture with one more peer committed only in its -wal (what a killed app leaves). */
function withCommitsInWal(level: number): string {
  const live = copyFixture(level, tempDir());
  const reader = new Database(live, { readonly: true });
  const path = join(tempDir(), "state.sqlite");
  try {
    reader.prepare("SELECT count(*) FROM peers").get();
    const writer = new Database(live);
    writer.pragma("journal_mode = WAL");
    writer.prepare("INSERT INTO peers (public_key, protocol_min, protocol_max, seen_at) VALUES ('0x04' || hex(randomblob(64)), 1, 1, 1)").run();
    writer.close();
    copyFileSync(live, path);
    copyFileSync(`${live}-wal`, `${path}-wal`);
  } finally {
    reader.close();
  }
  return path;
}

function looks(path: string): Record<string, unknown> {
  const wal = `${path}-wal`;
  return { file: sha256File(path), mtime: statSync(path).mtimeMs, wal: existsSync(wal) ? sha256File(wal) : undefined, walMtime: existsSync(wal) ? statSync(wal).mtimeMs : undefined };
}

describe("a refused open of a file whose last commits are in its -wal", () => {
  test("from the future (release 0.1.0 on a level-3 file): E_STATE_FROM_FUTURE, the file and its -wal as they were", async () => {
    const path = withCommitsInWal(3);
    const before = looks(path);
    const outcome = await openState({ path, release: "0.1.0" }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(StateError);
    expect(outcome).toMatchObject({ code: "E_STATE_FROM_FUTURE" });
    expect(looks(path)).toEqual(before);
  });

  test("behind, with migrating not allowed: E_STATE_NEEDS_MIGRATION, the file and its -wal as they were", async () => {
    const path = withCommitsInWal(1);
    const before = looks(path);
    const outcome = await openState({ path, migrate: false }).catch((e: unknown) => e);
    expect(outcome).toMatchObject({ code: "E_STATE_NEEDS_MIGRATION" });
    expect(looks(path)).toEqual(before);
  });

  test("an open that succeeds sees the peer only its -wal holds, and its close checkpoints it as a client's does", async () => {
    const fixture = new Database(copyFixture(3, tempDir()), { readonly: true });
    const fixturePeers = fixture.prepare("SELECT count(*) FROM peers").pluck().get() as number;
    fixture.close();
    const path = withCommitsInWal(3);
    const state = await openState({ path });
    expect(state.db.prepare("SELECT count(*) FROM peers").pluck().get()).toBe(fixturePeers + 1);
    state.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});
