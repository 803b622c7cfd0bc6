/**
 * A `down` counts what it would drop (journal rows, other data) before its checks run: a damaged
 * page in a table it counts must be refused as E_STATE_CORRUPT (exit 4, "restore a backup"), not
 * escape as SQLite's own error (the CLI's exit 70, "internal error").
 */
import { describe, expect, test } from "vitest";
import { migrateState, StateError } from "../../src/state/index.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { corruptPageOf } from "./support/corrupt.js";
import { copyFixture, sha256File } from "./support/files.js";

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (result) => {
      throw new Error(`expected a refusal, the down ran: ${JSON.stringify(result)}`);
    },
    (error: unknown) => error,
  );
}

describe("down on a file with a damaged page in a table it counts", () => {
  for (const table of ["upload_jobs", "file_references"]) {
    test(`a damaged ${table} page: E_STATE_CORRUPT naming the file, nothing written`, async () => {
      const path = copyFixture(2, tempDir());
      corruptPageOf(path, table);
      const hash = sha256File(path);
      const e = await refusal(migrateState({ path, direction: "down", discardUnfinishedJobs: true, discardData: true, dryRun: true }));
      expect(e).toBeInstanceOf(StateError);
      expect((e as StateError).code).toBe("E_STATE_CORRUPT");
      expect((e as StateError).message).toContain(path);
      expect(sha256File(path)).toBe(hash);
    });
  }

  test("migrate down exits 4 with error[E_STATE_CORRUPT], not 70 with a stack trace", async () => {
    const path = copyFixture(2, tempDir());
    corruptPageOf(path, "upload_jobs");
    const r = await runCliInProcess(["migrate", "down", "--db", path]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain("error[E_STATE_CORRUPT]");
    expect(r.stderr).not.toContain("internal error");
  });
});
