/**
 * A state database reached through a symbolic link to the file itself (an app that links its
 * state into a backup or shared folder). SQLite follows the link: the -wal and -shm live beside the
 * target. Every sibling the state layer derives (the migration lock, the -wal it looks at) must be
 * the target's too, or two spellings of one database each see nothing of the other.
 */
import { mkdirSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { acquireMigrationLock, inspectState, openState, rehearseUpgrade, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, fixtureWithCommitsInWal, sha256File, siblings } from "./support/files.js";

/** A link `link.sqlite` in its own folder to `path`. */
function linkTo(path: string): string {
  const dir = join(tempDir(), "links");
  mkdirSync(dir);
  const link = join(dir, "link.sqlite");
  symlinkSync(path, link);
  return link;
}

describe("a state database reached through a link to the file", () => {
  test("the migration lock taken under the file's own name stops a migration through the link (E_STATE_LOCKED, nothing written); the link had a lock of its own and migrated at once", async () => {
    const path = copyFixture(1, tempDir());
    const link = linkTo(path);
    const hash = sha256File(path);
    const held = await acquireMigrationLock(path);
    try {
      const outcome = await openState({ path: link, level: 2, lockTimeoutMs: 200 }).then(
        (h) => {
          h.close();
          return "opened";
        },
        (e: unknown) => e,
      );
      expect(outcome).toBeInstanceOf(StateError);
      expect((outcome as StateError).code).toBe("E_STATE_LOCKED");
      expect(sha256File(path)).toBe(hash);
    } finally {
      held.release();
    }
  });

  test("an original whose last commits are still in its -wal, opened through a link: the rehearsal and migrate status write neither the file nor its -wal (they checkpointed the -wal into the file and deleted it)", async () => {
    // One more peer only in the -wal: what an app killed before its checkpoint leaves.
    const path = fixtureWithCommitsInWal(1, tempDir());
    const link = linkTo(path);
    const now = () => ({ file: sha256File(path), wal: sha256File(`${path}-wal`), mtime: statSync(path).mtimeMs, walMtime: statSync(`${path}-wal`).mtimeMs });
    const before = now();
    const report = await rehearseUpgrade({ path: link, from: "0.1.0", to: "0.3.0", workDir: tempDir() });
    expect(report.verdict).toBe("ok");
    expect(report.tables.find((t) => t.table === "peers")?.before).toBe(100);
    expect(siblings(path)).toContain("state.sqlite-wal");
    expect(now()).toEqual(before);
    expect(inspectState(link)).toMatchObject({ level: 1, problem: undefined });
    expect(now()).toEqual(before);
  });
});
