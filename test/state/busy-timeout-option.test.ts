/**
 * busyTimeoutMs is the SQLite busy timeout of the connection openState returns. better-sqlite3
 * takes only a non-negative whole number up to 2^31 - 1 and threw its own TypeError for anything
 * else ('Expected the "timeout" option to be a positive integer', an option the caller never
 * passed): Infinity (as lockTimeoutMs takes it: wait as long as needed) and a computed 2500.5
 * failed the open, and NaN was refused under another option's name.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { migrateState, openState } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";

describe("busyTimeoutMs", () => {
  test.each([Infinity, 2_500.5, 0])("%s: openState and migrateState open the file", async (value) => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    const state = await openState({ path, busyTimeoutMs: value });
    expect(state.level).toBe(3);
    const expected = Number.isFinite(value) ? Math.ceil(value) : 2 ** 31 - 1;
    expect(state.db.pragma("busy_timeout", { simple: true })).toBe(expected);
    state.close();
    const result = await migrateState({ path, direction: "down", busyTimeoutMs: value });
    expect(result.after.level).toBe(2);
  });

  test.each([NaN, -1])("%s: a RangeError naming busyTimeoutMs, nothing created", async (value) => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    for (const call of [() => openState({ path, busyTimeoutMs: value }), () => migrateState({ path, direction: "up", busyTimeoutMs: value })]) {
      const outcome = await call().catch((e: unknown) => e);
      expect(outcome).toBeInstanceOf(RangeError);
      expect((outcome as Error).message).toContain("busyTimeoutMs");
    }
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
