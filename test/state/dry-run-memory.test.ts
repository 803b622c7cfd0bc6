import { statSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { migrateState, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, sha256File, siblings } from "./support/files.js";

/**
 * A dry run keeps every page it changes in memory until its rollback (591f0cc: nothing spills to
 * the file or its -wal), so its memory grows with what the run rewrites, which only the file's
 * size bounds: 363 MiB peak RSS for a 506 MiB file's 0001 -> 0003 against 125 MiB for the real run.
 * A file past the memory it may use was run until the OOM killer ended it, with no reason given.
 * It is now refused before the run, E_STATE_TOO_LARGE naming both sizes, nothing written.
 */
describe("a dry run that may not fit in memory", () => {
  test("up and down --dry-run on a file larger than dryRunMemoryBytes: E_STATE_TOO_LARGE naming the size and the way out, file and siblings unchanged", async () => {
    const dir = tempDir();
    const path = copyFixture(2, dir);
    const size = statSync(path).size;
    const hash = sha256File(path);
    const files = siblings(path);
    for (const direction of ["up", "down"] as const) {
      const outcome = await migrateState({ path, direction, dryRun: true, discardData: true, discardUnfinishedJobs: true, dryRunMemoryBytes: size - 1 }).then(
        () => "ran",
        (e: unknown) => e,
      );
      expect(outcome).toBeInstanceOf(StateError);
      const error = outcome as StateError;
      expect(error.code).toBe("E_STATE_TOO_LARGE");
      // A budget a byte short reads as the file in KiB: both are named in bytes too (dry-run-memory-sizes.test.ts).
      expect(error.message).toContain(`, ${(size / 1024).toFixed(1)} KiB (${size.toLocaleString("en-US")} bytes), more than`);
      expect(error.message).toContain("status-compat upgrade --dry-run");
      expect(error.details).toMatchObject({ path, bytes: size, budgetBytes: size - 1 });
    }
    expect(sha256File(path)).toBe(hash);
    expect(siblings(path)).toEqual(files);
  });

  test("within the budget the dry run runs as before; the real run and a file with nothing to apply are never refused for it", async () => {
    const path = copyFixture(2, tempDir());
    const size = statSync(path).size;
    const dry = await migrateState({ path, direction: "up", dryRun: true, dryRunMemoryBytes: size });
    expect(dry.after.level).toBe(3);
    expect(dry.dryRun).toBe(true);
    const real = await migrateState({ path, direction: "up", dryRunMemoryBytes: 0 });
    expect(real.after.level).toBe(3);
    const nothing = await migrateState({ path, direction: "up", dryRun: true, dryRunMemoryBytes: 0 });
    expect(nothing.runs).toEqual([]);
  });

  test("dryRunMemoryBytes that is no number of bytes is a RangeError naming it", async () => {
    const path = copyFixture(2, tempDir());
    for (const bad of [NaN, -1]) {
      await expect(migrateState({ path, direction: "up", dryRun: true, dryRunMemoryBytes: bad })).rejects.toThrow(/dryRunMemoryBytes/);
    }
  });
});
