/**
 * matrix and upgrade make their work folders (state databases, stores, copies the size of the
 * database) in the temp folder, and TMPDIR is read from the env `main()` is given (`io.env`), as
 * run.ts gives it the process's. They called os.tmpdir(), which reads the process's own: an
 * embedder or a test running `main()` with another TMPDIR had them in the process's temp folder,
 * and the matrix's "cannot make its work folder in …" named that folder.
 *
 * The process's own TMPDIR is a working folder here and the given one is not (a file, or an empty
 * folder to find the copies in), so which one a command used shows.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { LockFile } from "../../src/state/index.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("work folders go to the TMPDIR of the env main() is given", () => {
  test("matrix with TMPDIR naming a file in the given env: exit 4 naming that TMPDIR, nothing run", async () => {
    const dir = tempDir("scc-cli-tmpdir-env-");
    const notAFolder = join(dir, "tmp-is-a-file");
    writeFileSync(notAFolder, "");

    const r = await runCliInProcess(["matrix", "--only", "negotiate"], { ...process.env, TMPDIR: notAFolder });

    expect(r.code, r.stderr).toBe(EXIT.STATE);
    expect(r.stderr).toContain(`cannot make the matrix's work folder in ${notAFolder} (ENOTDIR)`);
    expect(r.stdout).toBe("");
  });

  test("upgrade --dry-run makes its copies in the given TMPDIR and removes them; an abandoned rehearsal folder there is removed", async () => {
    const dir = tempDir("scc-cli-tmpdir-env-");
    const db = join(dir, "state.sqlite");
    const fixture = await runCliInProcess(["state", "fixture", "--release", "0.1.0", "--rows", "200", "--out", db]);
    expect(fixture.code, fixture.stderr).toBe(EXIT.OK);
    const given = join(dir, "given-tmp");
    mkdirSync(given);
    // A rehearsal killed outright left this: its owner lock free, its process gone.
    const abandoned = join(given, "status-compat-upgrade-abandoned");
    mkdirSync(abandoned);
    LockFile.open(join(abandoned, ".owner-lock")).release();
    writeFileSync(join(abandoned, "copy.sqlite"), "a copy the size of the database");

    const r = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.2.0", "--db", db, "--dry-run"], { ...process.env, TMPDIR: given });

    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(readdirSync(given)).toEqual([]);
  });
});
