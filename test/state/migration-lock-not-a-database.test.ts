/**
 * The migration lock is an empty SQLite file kept beside the database (`<db>.migrate-lock`). When
 * something else wrote it (a sync tool's conflict copy put in its place, a user who read "empty and
 * harmless" and filled it, a disk error), every migration of the file, an app's first start of a new
 * release included, failed with E_STATE_IO "cannot take the migration lock …: file is not a
 * database", saying neither what was wrong with it nor what to do, and nothing clears it. The
 * refusal now says it is not the lock file the package keeps there and that, with no migration
 * running, removing it is the way on (the next run creates it again); details name the lock.
 * Nothing is written to the database, and the package still never removes the lock itself
 * (deleting a lock file races its waiters).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { expect, test } from "vitest";
import { acquireMigrationLock, lockPathFor, migrateState, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "./support/files.js";

async function refusal(run: () => Promise<unknown>): Promise<StateError> {
  const outcome = await run().then(
    () => "ran",
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(StateError);
  return outcome as StateError;
}

test("a lock file something else wrote: E_STATE_IO saying what it is and to remove it, the database unchanged; once removed, the migration runs", async () => {
  const path = copyFixture(2, tempDir());
  const lock = lockPathFor(path);
  writeFileSync(lock, "not a lock: a conflict copy\n");
  const hash = sha256File(path);
  for (const run of [() => migrateState({ path, direction: "up" }), () => acquireMigrationLock(path, { timeoutMs: 0 })]) {
    const error = await refusal(run);
    expect(error.code).toBe("E_STATE_IO");
    expect(error.message).toContain(`${lock} is not the lock file this package keeps there`);
    expect(error.message).toContain("remove it");
    expect(error.details).toMatchObject({ lock });
  }
  expect(sha256File(path)).toBe(hash);
  expect(readFileSync(lock, "utf8")).toBe("not a lock: a conflict copy\n");
  rmSync(lock);
  expect((await migrateState({ path, direction: "up" })).after.level).toBe(3);
});
