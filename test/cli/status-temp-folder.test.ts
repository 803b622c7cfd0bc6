/**
 * `migrate status` reads a WAL database it cannot read where it is (a read-only file system) from a
 * copy in the temp folder. matrix and upgrade took TMPDIR from the env `main()` is given (147e239);
 * status called os.tmpdir(), the process's own, so an embedder or a test running `main()` with
 * another TMPDIR had the copy (as large as the database) made in the process's temp folder.
 *
 * Run in process: the given TMPDIR differs from the process's, which is the case under test. The
 * read-only folder is a read-only bind mount where this process may mount (root on Linux, CI's
 * container) or a folder without write permission for a user who is not root; as root without
 * mount (the helper then runs commands as nobody), this process could read the file in place.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { LockFile } from "../../src/state/index.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { walDatabaseWithShmOnly } from "../state/support/wal-image.js";
import { readOnlyFolderWith } from "../state/support/read-only-folder.js";

function copiesInProcessTemp(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith("state.sqlite.read-only-") || name.startsWith("state.sqlite.setting-up-"));
}

describe("migrate status makes its copy in the TMPDIR of the env main() is given", () => {
  test("given TMPDIR names a file: exit 4 E_STATE_IO naming that TMPDIR, the file not read from the process's temp folder", async () => {
    const folder = readOnlyFolderWith(walDatabaseWithShmOnly());
    expect(folder.spawnAs, `${folder.how}: this process could read the file in place`).toEqual({});
    const notAFolder = join(tempDir(), "tmp-is-a-file");
    writeFileSync(notAFolder, "");
    const before = copiesInProcessTemp();

    const r = await runCliInProcess(["migrate", "status", "--db", join(folder.dir, "state.sqlite")], { ...process.env, TMPDIR: notAFolder });

    expect(r.code, r.stderr).toBe(EXIT.STATE);
    expect(r.stderr).toContain("E_STATE_IO");
    expect(r.stderr).toContain(`read from a copy in ${notAFolder}`);
    expect(copiesInProcessTemp()).toEqual(before);
  });

  test("given TMPDIR a folder: status reads the copy made there, removes it and an abandoned one there, leaves nothing in the process's temp folder", async () => {
    const folder = readOnlyFolderWith(walDatabaseWithShmOnly());
    expect(folder.spawnAs, `${folder.how}: this process could read the file in place`).toEqual({});
    const given = join(tempDir(), "given-tmp");
    mkdirSync(given);
    // A status killed outright left this: its owner lock free, its process gone.
    const abandoned = join(given, "state.sqlite.read-only-AbCdEf");
    mkdirSync(abandoned);
    LockFile.open(join(abandoned, ".owner-lock")).release();
    writeFileSync(join(abandoned, "state.sqlite"), "a copy the size of the database");
    const before = copiesInProcessTemp();

    const r = await runCliInProcess(["migrate", "status", "--db", join(folder.dir, "state.sqlite"), "--json"], { ...process.env, TMPDIR: given });

    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout)).toMatchObject({ level: 2, problem: null });
    expect(readdirSync(given)).toEqual([]);
    expect(copiesInProcessTemp()).toEqual(before);
  });
});
