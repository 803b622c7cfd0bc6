/**
 * A state file in a folder that does not exist: openState refused it with E_STATE_IO "cannot create
 * FILE: folder … does not exist", as the error table says of a missing folder, but migrateState
 * (up, and its dry run) said E_STATE_READ_ONLY "FILE is read-only (or its folder is)" and
 * acquireMigrationLock E_STATE_READ_ONLY "… the folder must be writable to migrate", sending the
 * caller to permissions for a path with a typo or a folder not made yet. Both now give openState's
 * E_STATE_IO naming the missing folder; nothing is created.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { acquireMigrationLock, migrateState, openState, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";

test("migrateState up (dry run or not), acquireMigrationLock and openState on a file in a missing folder: E_STATE_IO naming the folder, not E_STATE_READ_ONLY", async () => {
  const folder = join(tempDir(), "not-made-yet");
  const path = join(folder, "state.sqlite");
  const calls: [string, () => Promise<unknown>][] = [
    ["migrateState up", () => migrateState({ path, direction: "up" })],
    ["migrateState up --dry-run", () => migrateState({ path, direction: "up", dryRun: true })],
    ["acquireMigrationLock", () => acquireMigrationLock(path, { timeoutMs: 0 })],
    ["openState", () => openState({ path })],
  ];
  for (const [what, call] of calls) {
    const error = await call().then(
      () => "ran",
      (e: unknown) => e,
    );
    expect(error, what).toBeInstanceOf(StateError);
    expect((error as StateError).code, what).toBe("E_STATE_IO");
    expect((error as StateError).message, what).toContain(`folder ${folder} does not exist`);
    expect(existsSync(folder), what).toBe(false);
  }
});
