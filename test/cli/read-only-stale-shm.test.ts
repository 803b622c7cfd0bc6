/**
 * A WAL database on a read-only file system (a mounted backup) with a `-shm` beside it but no
 * `-wal` (a crash between SQLite removing the two, a backup tool that skips `*-wal`): SQLite cannot
 * read it where it is (it must create the `-wal`), and the staged copy (8463475) was made only
 * when the `-shm` was missing, so `migrate status` and `upgrade --dry-run` failed E_STATE_IO
 * 'unable to open database file' (exit 4).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";
import { sha256File } from "../state/support/files.js";
import { walDatabaseWithShmOnly } from "../state/support/wal-image.js";
import { readOnlyFolderWith, runCliFor, runScriptFor } from "../state/support/read-only-folder.js";

describe("a WAL database with a -shm and no -wal, where no file can be created", () => {
  test("migrate status reads it (from a copy) and shows its level; nothing is written beside it", async () => {
    const folder = readOnlyFolderWith(walDatabaseWithShmOnly());
    const path = join(folder.dir, "state.sqlite");
    const hash = sha256File(path);
    const r = await runCliFor(folder, ["migrate", "status", "--db", path, "--json"], PROJECT_ROOT, { TMPDIR: folder.workDir });
    expect(r.code, `${folder.how}: ${r.stderr}`).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ path, level: 2, problem: null });
    expect(readdirSync(folder.dir).sort()).toEqual(["state.sqlite", "state.sqlite-shm"]);
    expect(sha256File(path)).toBe(hash);
  }, 60_000);

  test("upgrade --dry-run rehearses it: every check passes on the copy, and the real upgrade is predicted refused (read-only: exit 4, as the real run)", async () => {
    const folder = readOnlyFolderWith(walDatabaseWithShmOnly());
    const path = join(folder.dir, "state.sqlite");
    const r = await runCliFor(folder, ["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", folder.workDir], PROJECT_ROOT, { TMPDIR: folder.workDir });
    expect(r.code, `${folder.how}: ${r.stderr}`).toBe(4);
    expect(r.stdout).toContain("Verdict: FAILED: every check passed on the copy: the upgrade 0.2.0 -> 0.3.0 itself is safe, but the real upgrade of this file would be refused (E_STATE_READ_ONLY: see the apply line)");
    expect(readdirSync(folder.dir).sort()).toEqual(["state.sqlite", "state.sqlite-shm"]);
  }, 60_000);
});

describe("openState on a WAL database with a -shm and no -wal, where no file can be created", () => {
  test("both opens refuse with E_STATE_READ_ONLY naming the -wal SQLite must create (it was E_STATE_IO 'unable to open database file'), nothing written", async () => {
    const folder = readOnlyFolderWith(walDatabaseWithShmOnly());
    const path = join(folder.dir, "state.sqlite");
    for (const mode of ["read-only", "read-write"]) {
      const r = await runScriptFor(folder, "test/state/support/open-state-child.ts", [path, mode], PROJECT_ROOT, { TMPDIR: folder.workDir });
      expect(r.code, `${folder.how}: ${r.stderr}`).toBe(0);
      const outcome = JSON.parse(r.stdout) as { code?: string; message?: string };
      expect(outcome, mode).toMatchObject({ code: "E_STATE_READ_ONLY" });
      expect(outcome.message).toContain(`${path}-wal`);
    }
    expect(readdirSync(folder.dir).sort()).toEqual(["state.sqlite", "state.sqlite-shm"]);
  }, 60_000);
});
