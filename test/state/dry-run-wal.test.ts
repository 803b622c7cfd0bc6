/**
 * `migrate up/down --dry-run` promise to write nothing. A state file whose last commits are still
 * in its -wal (an app killed before its checkpoint) must keep its bytes, its mtime and its -wal:
 * the dry run's read-write connection, the last to close, checkpointed the -wal into the file and
 * deleted it.
 */
import { existsSync, statSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { inspectState, migrateState } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { fixtureWithCommitsInWal, sha256File } from "./support/files.js";

function looks(path: string): { file: string; mtime: number; wal: string | undefined; walMtime: number | undefined } {
  const wal = `${path}-wal`;
  return {
    file: sha256File(path),
    mtime: statSync(path).mtimeMs,
    wal: existsSync(wal) ? sha256File(wal) : undefined,
    walMtime: existsSync(wal) ? statSync(wal).mtimeMs : undefined,
  };
}

describe("migrate --dry-run on a file whose last commits are in its -wal", () => {
  test("up --dry-run reports the run and leaves the file and its -wal as they were (bytes and mtime)", async () => {
    const path = fixtureWithCommitsInWal(1, tempDir());
    const before = looks(path);
    expect(before.wal).toBeDefined();
    const result = await migrateState({ path, direction: "up", dryRun: true });
    expect(result).toMatchObject({ dryRun: true, before: { level: 1 }, after: { level: 3 } });
    expect(looks(path)).toEqual(before);
    expect(inspectState(path).level).toBe(1);
  });

  test("down --dry-run leaves the file and its -wal as they were (bytes and mtime)", async () => {
    const path = fixtureWithCommitsInWal(3, tempDir());
    const before = looks(path);
    const result = await migrateState({ path, direction: "down", dryRun: true, discardData: true });
    expect(result).toMatchObject({ dryRun: true, before: { level: 3 }, after: { level: 2 } });
    expect(looks(path)).toEqual(before);
  });
});

describe("migrate up/down refusing a file whose last commits are in its -wal", () => {
  test("down to a level without the journal while jobs are unfinished: E_STATE_UNFINISHED_JOBS ('nothing was changed'), the file and its -wal as they were", async () => {
    const path = fixtureWithCommitsInWal(2, tempDir());
    const before = looks(path);
    const outcome = await migrateState({ path, direction: "down" }).catch((e: unknown) => e);
    expect(outcome).toMatchObject({ code: "E_STATE_UNFINISHED_JOBS" });
    expect(looks(path)).toEqual(before);
  });

  test("a real run that commits still checkpoints as before: no -wal is left beside the file", async () => {
    const path = fixtureWithCommitsInWal(1, tempDir());
    const result = await migrateState({ path, direction: "up" });
    expect(result.after.level).toBe(3);
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(inspectState(path).level).toBe(3);
  });
});
