import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { acquireMigrationLock, openState, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { spawnSupport } from "./support/child.js";
import { copyFixture, sha256File } from "./support/files.js";

describe("the migration lock", () => {
  test("a second taker waits the bounded time, then fails with E_STATE_LOCKED", async () => {
    const path = join(tempDir(), "state.db");
    const first = await acquireMigrationLock(path);
    const started = performance.now();
    const error = await acquireMigrationLock(path, { timeoutMs: 300 }).catch((e: unknown) => e);
    const waited = performance.now() - started;
    first.release();
    expect(error).toBeInstanceOf(StateError);
    expect((error as StateError).code).toBe("E_STATE_LOCKED");
    expect((error as StateError).message).toMatch(/another process is migrating .*state\.db/);
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(3_000);
  });

  test("a waiter gets the lock as soon as the holder releases it", async () => {
    const path = join(tempDir(), "state.db");
    const first = await acquireMigrationLock(path);
    const second = acquireMigrationLock(path, { timeoutMs: 5_000 });
    setTimeout(() => first.release(), 100);
    const lock = await second;
    lock.release();
    lock.release();
  });

  test("waiting stops with E_STATE_ABORTED when the signal fires", async () => {
    const path = join(tempDir(), "state.db");
    const first = await acquireMigrationLock(path);
    const error = await acquireMigrationLock(path, { timeoutMs: 10_000, signal: AbortSignal.timeout(100) }).catch((e: unknown) => e);
    first.release();
    expect((error as StateError).code).toBe("E_STATE_ABORTED");
  });

  test("a lock held by another process blocks openState's migration, and the file is untouched", async () => {
    const path = copyFixture(1, tempDir());
    const hash = sha256File(path);
    const holder = spawnSupport("hold-lock-child.ts", [path]);
    try {
      await holder.waitFor("locked");
      const error = await openState({ path, lockTimeoutMs: 200 }).catch((e: unknown) => e);
      expect((error as StateError).code).toBe("E_STATE_LOCKED");
      expect(sha256File(path)).toBe(hash);
      // Opening at the file's own level needs no lock at all.
      const h = await openState({ path, level: 1 });
      h.close();
    } finally {
      holder.process.kill("SIGKILL");
      await holder.exited;
    }
  });

  test("the lock of a process killed with SIGKILL is released by the OS at once", async () => {
    const path = join(tempDir(), "state.db");
    const holder = spawnSupport("hold-lock-child.ts", [path]);
    await holder.waitFor("locked");
    await expect(acquireMigrationLock(path, { timeoutMs: 100 })).rejects.toMatchObject({ code: "E_STATE_LOCKED" });
    holder.process.kill("SIGKILL");
    expect((await holder.exited).signal).toBe("SIGKILL");
    // At once: free at the first try, no waiting (it was a 1 s bound on the wall clock with a 5 s
    // timeout, which a loaded machine's polling can miss).
    const lock = await acquireMigrationLock(path, { timeoutMs: 0 });
    lock.release();
  });
});
