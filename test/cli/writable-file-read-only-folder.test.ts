/**
 * A state file the user may write in a folder where nothing can be created (a folder owned by
 * another user, mode 0555). The real `migrate up` and `upgrade` fail there: switching to WAL, opening
 * WAL without its -wal/-shm, or creating the .migrate-lock needs a new file beside it. The dry runs
 * said the opposite: `upgrade --dry-run` printed "OK: … safe to run" (exit 0), `migrate up
 * --dry-run` of a rollback-journal file printed the run (exit 0), and the real `upgrade` refused
 * only after a whole rehearsal. A read-only file was already predicted (E_STATE_READ_ONLY, exit 4).
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";
import { runCliFor, type ReadOnlyFolder } from "../state/support/read-only-folder.js";
import { copyFixture, sha256File } from "../state/support/files.js";

const NOBODY = 65534;
const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) {
    chmodSync(join(dir, "db"), 0o755);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A level-`level` file, writable by everyone, alone in a folder no one but root may add to; root's commands run as nobody. */
function writableFileInClosedFolder(level: number, journal: "wal" | "delete"): { folder: ReadOnlyFolder; path: string } {
  const base = mkdtempSync(join(tmpdir(), "scc-closed-folder-"));
  made.push(base);
  chmodSync(base, 0o755);
  const dir = join(base, "db");
  const workDir = join(base, "work");
  mkdirSync(dir);
  mkdirSync(workDir);
  chmodSync(workDir, 0o777);
  const path = copyFixture(level, dir, "state.sqlite");
  const db = new Database(path);
  try {
    db.pragma(`journal_mode = ${journal === "wal" ? "WAL" : "DELETE"}`);
  } finally {
    db.close();
  }
  chmodSync(path, 0o666);
  chmodSync(dir, 0o555);
  const root = process.getuid?.() === 0;
  const spawnAs = root ? { uid: NOBODY, gid: NOBODY } : {};
  return { folder: { dir, how: root ? "no write permission, commands run as nobody" : "no write permission", spawnAs, workDir }, path };
}

function listing(folder: ReadOnlyFolder, path: string): { files: string[]; sha: string } {
  return { files: readdirSync(folder.dir).sort(), sha: sha256File(path) };
}

describe("a writable state file in a folder where nothing can be created", () => {
  for (const journal of ["wal", "delete"] as const) {
    test(`${journal}: upgrade --dry-run fails its apply line with E_STATE_READ_ONLY (exit 4), as the real upgrade refuses, before rehearsing`, async () => {
      const { folder, path } = writableFileInClosedFolder(1, journal);
      const before = listing(folder, path);
      const dry = await runCliFor(folder, ["upgrade", "--from", "0.1.0", "--to", "0.2.0", "--db", path, "--dry-run", "--json", "--work-dir", folder.workDir], PROJECT_ROOT);
      expect(dry.code, `${folder.how}: ${dry.stderr}`).toBe(4);
      const report = JSON.parse(dry.stdout) as { checks: { id: string; status: string; code?: string }[] };
      expect(report.checks.find((c) => c.id === "apply")).toMatchObject({ status: "failed", code: "E_STATE_READ_ONLY" });
      expect(report.checks.filter((c) => c.status === "failed").map((c) => c.id)).toEqual(["apply"]);
      const real = await runCliFor(folder, ["upgrade", "--from", "0.1.0", "--to", "0.2.0", "--db", path, "--work-dir", folder.workDir], PROJECT_ROOT);
      expect(real.code, real.stderr).toBe(4);
      expect(real.stderr).toMatch(/E_STATE_READ_ONLY.*folder/);
      expect(real.stdout).not.toMatch(/every check passed on the copy|migration 0002/);
      expect(listing(folder, path)).toEqual(before);
    });

    test(`${journal}: migrate up --dry-run refuses as migrate up does (E_STATE_READ_ONLY naming the folder, exit 4)`, async () => {
      const { folder, path } = writableFileInClosedFolder(1, journal);
      const before = listing(folder, path);
      for (const args of [["--dry-run"], []]) {
        const r = await runCliFor(folder, ["migrate", "up", "--db", path, ...args], PROJECT_ROOT);
        expect(r.code, `${folder.how} ${args.join(" ")}: ${r.stderr}`).toBe(4);
        expect(r.stderr).toMatch(/E_STATE_READ_ONLY.*folder/);
        expect(r.stdout).toBe("");
      }
      expect(listing(folder, path)).toEqual(before);
    });
  }

  test("a file with nothing to apply is still reported as it is (migrate up: nothing to do, exit 0)", async () => {
    const { folder, path } = writableFileInClosedFolder(3, "delete");
    const r = await runCliFor(folder, ["migrate", "up", "--db", path], PROJECT_ROOT);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/nothing to do/);
  });
});
