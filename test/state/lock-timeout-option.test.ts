/**
 * lockTimeoutMs is how long a caller waits for another process's migration. A value that is no
 * number of milliseconds (NaN: an app's parseInt of an empty setting) made the wait's deadline
 * NaN, which no clock passes: the call waited for as long as the other process held the lock, for
 * ever if it never let go. A finite one past 2^31 - 1 ms (about 24.8 days; 1e20: a unit mixed up, a
 * digit too many) did the same; Infinity is the way to ask for that and stays.
 */
import { describe, expect, test } from "vitest";
import { acquireMigrationLock, migrateState, openState, rehearseUpgrade } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File } from "./support/files.js";

/** What `call` settled with within 3 s, or "still waiting". */
async function within3s(call: () => Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const waiting = new Promise((resolve) => (timer = setTimeout(() => resolve("still waiting"), 3_000)));
  try {
    return await Promise.race([call().then(() => "settled", (e: unknown) => e), waiting]);
  } finally {
    clearTimeout(timer);
  }
}

describe("lockTimeoutMs that is not a number of milliseconds", () => {
  test.each([NaN, 2 ** 31, 1e20, Number.MAX_VALUE])("%s, with the migration lock held elsewhere: openState, migrateState, rehearseUpgrade and acquireMigrationLock refuse it at once with a RangeError naming it and the range, the file untouched; each waited for ever", async (bad) => {
    const path = copyFixture(1, tempDir());
    const hash = sha256File(path);
    const held = await acquireMigrationLock(path);
    try {
      const calls: [string, () => Promise<unknown>][] = [
        ["lockTimeoutMs", () => openState({ path, level: 2, lockTimeoutMs: bad })],
        ["lockTimeoutMs", () => migrateState({ path, direction: "up", lockTimeoutMs: bad })],
        ["lockTimeoutMs", () => rehearseUpgrade({ path, from: "0.1.0", to: "0.2.0", dryRun: false, workDir: tempDir(), lockTimeoutMs: bad })],
        ["timeoutMs", () => acquireMigrationLock(path, { timeoutMs: bad })],
      ];
      for (const [name, call] of calls) {
        const outcome = await within3s(call);
        expect(outcome).toBeInstanceOf(RangeError);
        expect((outcome as RangeError).message).toContain(name);
        expect((outcome as RangeError).message).toContain("up to 2147483647 (about 24.8 days");
      }
      expect(sha256File(path)).toBe(hash);
    } finally {
      held.release();
    }
  });

  test("2^31 - 1, the longest finite wait, is taken", async () => {
    const state = await openState({ path: copyFixture(1, tempDir()), level: 2, lockTimeoutMs: 2 ** 31 - 1 });
    expect(state.level).toBe(2);
    state.close();
  });

  test("Infinity waits until the lock is free (the caller's signal still stops it)", async () => {
    const path = copyFixture(1, tempDir());
    const held = await acquireMigrationLock(path);
    setTimeout(() => held.release(), 200);
    const state = await openState({ path, level: 2, lockTimeoutMs: Infinity });
    expect(state.level).toBe(2);
    state.close();
  });
});
