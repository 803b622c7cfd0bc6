/**
 * `migrate --db`, `upgrade --db` and `state fixture --out` given a symbolic link: the app's data
 * folder or its `state.sqlite` linked to another disk. SQLite opens through a link and keeps its
 * -wal and -shm beside the file it names, and the state layer names its locks from the real path,
 * so a link to a database is migrated where it leads (pinned here). What went wrong was the rest:
 * a dangling link given to `state fixture --out` had the whole fixture written and then refused as
 * "already exists (written while this fixture was being made)", exit 4; a dangling link into a
 * missing folder was exit 4 from SQLite ("unable to open database file") for `migrate up` and, for
 * the fixture, after the whole write; a loop of links E_STATE_IO (exit 4) or "cannot check (ELOOP)".
 * A link to a folder is answered as the folder is (the last describe). In process.
 */
import Database from "better-sqlite3";
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, siblings } from "../state/support/files.js";

/** The state level a database records (read-write: a read-only connection to a WAL file leaves its -wal and -shm behind). */
function levelOf(path: string): number {
  const db = new Database(path, { fileMustExist: true });
  try {
    return Number(db.prepare("SELECT level FROM _state_version").pluck().get());
  } finally {
    db.close();
  }
}

/** A data folder `app` holding links, and a folder `disk` (another disk) the links lead into. */
function layout(): { app: string; disk: string } {
  const dir = tempDir("scc-state-link-");
  const app = join(dir, "app");
  const disk = join(dir, "disk");
  mkdirSync(app);
  mkdirSync(disk);
  return { app, disk };
}

describe("a link to an existing database is migrated where it leads", () => {
  test("migrate up, migrate down and upgrade through a link: the file it names changes, the link stays, one lock beside that file", async () => {
    const { app, disk } = layout();
    const real = copyFixture(1, disk, "state.sqlite");
    const link = join(app, "state.sqlite");
    symlinkSync(real, link);
    const up = await runCliInProcess(["migrate", "up", "--db", link, "--to", "0002_level2_dual_path"]);
    expect(up.code, up.stderr).toBe(EXIT.OK);
    expect(levelOf(real)).toBe(2);
    const upgrade = await runCliInProcess(["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db", link, "--work-dir", tempDir()]);
    expect(upgrade.code, upgrade.stderr + upgrade.stdout).toBe(EXIT.OK);
    expect(levelOf(real)).toBe(3);
    const down = await runCliInProcess(["migrate", "down", "--db", link]);
    expect(down.code, down.stderr).toBe(EXIT.OK);
    expect(levelOf(real)).toBe(2);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readdirSync(app)).toEqual(["state.sqlite"]);
    // Each lock once, beside the file: the client lock is the one the runs' commits took.
    expect(siblings(real)).toEqual(["state.sqlite", "state.sqlite.client-lock", "state.sqlite.migrate-lock"]);
  });
});

describe("a dangling link: its file is made where it leads", () => {
  test("migrate up creates the file the link names through its hidden draft there, once; the link stays, nothing is left beside either", async () => {
    const { app, disk } = layout();
    const real = join(disk, "state.sqlite");
    const link = join(app, "state.sqlite");
    symlinkSync("../disk/state.sqlite", link);
    const r = await runCliInProcess(["migrate", "up", "--db", link]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe("../disk/state.sqlite");
    expect(levelOf(real)).toBe(3);
    expect(readdirSync(app)).toEqual(["state.sqlite"]);
    // As for a missing file given by its own name: the draft's lock went with it. A migrate-lock here
    // meant the run was made a second time in place (the draft, built beside the link, got no name).
    expect(siblings(real)).toEqual(["state.sqlite"]);
  });

  test("state fixture --out writes the fixture to the file the link names (it was refused as 'already exists' after the whole write, exit 4)", async () => {
    const { app, disk } = layout();
    const real = join(disk, "fixture.sqlite");
    const link = join(app, "fixture.sqlite");
    symlinkSync(real, link);
    const r = await runCliInProcess(["state", "fixture", "--release", "0.2.0", "--rows", "40", "--out", link]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(levelOf(real)).toBe(2);
    expect(readdirSync(app)).toEqual(["fixture.sqlite"]);
    expect(readdirSync(disk)).toEqual(["fixture.sqlite"]);
  });

  test("into a missing folder: migrate up and state fixture are usage errors (exit 2) naming that folder, nothing written", async () => {
    const { app, disk } = layout();
    const db = join(app, "state.sqlite");
    symlinkSync(join(disk, "gone", "state.sqlite"), db);
    const up = await runCliInProcess(["migrate", "up", "--db", db]);
    expect(up.code, up.stderr).toBe(EXIT.USAGE);
    expect(up.stderr).toMatch(/the folder of --db .*gone\/state\.sqlite does not exist .*create it first\. Nothing was written\./);
    const out = join(app, "fixture.sqlite");
    symlinkSync(join(disk, "gone", "fixture.sqlite"), out);
    const fixture = await runCliInProcess(["state", "fixture", "--release", "0.1.0", "--rows", "40", "--out", out]);
    expect(fixture.code, fixture.stderr).toBe(EXIT.USAGE);
    expect(fixture.stderr).toMatch(/the folder of --out .*gone\/fixture\.sqlite does not exist .*create it first\. Nothing was written\./);
    expect(readdirSync(app).sort()).toEqual(["fixture.sqlite", "state.sqlite"]);
    expect(readdirSync(disk)).toEqual([]);
  });

  test("migrate down and upgrade: the missing database is named, the file the link leads to (exit 4, E_STATE_NOT_FOUND, as for a missing file)", async () => {
    const { app, disk } = layout();
    const db = join(app, "state.sqlite");
    symlinkSync(join(disk, "state.sqlite"), db);
    for (const args of [["migrate", "down", "--db", db], ["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", db, "--dry-run", "--work-dir", tempDir()]]) {
      const r = await runCliInProcess(args);
      expect(r.code, r.stderr).toBe(EXIT.STATE);
      expect(r.stderr).toContain(`error[E_STATE_NOT_FOUND]: ${join(disk, "state.sqlite")} does not exist`);
    }
    expect(readdirSync(disk)).toEqual([]);
  });
});

describe("a file command's home whose state.sqlite is a dangling link", () => {
  test("file put makes the database where the link leads, and the storage client's lock beside it: one lock for one database", async () => {
    const { app: home, disk } = layout();
    symlinkSync("../disk/state.sqlite", join(home, "state.sqlite"));
    const source = join(disk, "..", "photo.jpg");
    writeFileSync(source, Buffer.alloc(2000, 3));
    for (let run = 0; run < 2; run++) {
      const r = await runCliInProcess(["file", "put", source, "--home", home, "--backend", "local"]);
      expect(r.code, r.stderr).toBe(EXIT.OK);
    }
    expect(lstatSync(join(home, "state.sqlite")).isSymbolicLink()).toBe(true);
    // The first run's lock was named beside the link (the file was not there yet), the second's beside
    // the file: a migrate or a second client started during the first run looked at the other one.
    expect(readdirSync(home).filter((name) => name.startsWith("state.sqlite"))).toEqual(["state.sqlite"]);
    // No .migrate-lock: the database was made through its draft beside it, once; the draft, built
    // beside the link, could not take the link's name, and the run was made again in place.
    expect(siblings(join(disk, "state.sqlite"))).toEqual(["state.sqlite", "state.sqlite.client-lock"]);
  });
});

describe("a link that leads to no file is a usage error (exit 2) saying what to do", () => {
  const commands = (db: string, work: () => string): string[][] => [
    ["migrate", "status", "--db", db],
    ["migrate", "up", "--db", db],
    ["migrate", "down", "--db", db],
    ["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", db, "--dry-run", "--work-dir", work()],
    ["state", "fixture", "--release", "0.1.0", "--rows", "40", "--out", db],
  ];

  test("state fixture --out, a link to a folder: a usage error as a folder there is, naming the folder and the file to give instead; nothing is written in it", async () => {
    const { app, disk } = layout();
    const link = join(app, "data");
    symlinkSync(disk, link);
    const r = await runCliInProcess(["state", "fixture", "--release", "0.1.0", "--rows", "40", "--out", link]);
    expect(r.code, r.stderr).toBe(EXIT.USAGE);
    expect(r.stderr).toContain(`--out ${link} is a symbolic link to the folder ${disk}; give the path of the database file, e.g. --out ${join(disk, "state.sqlite")}.`);
    const folder = await runCliInProcess(["state", "fixture", "--release", "0.1.0", "--rows", "40", "--out", disk]);
    expect(folder.code, folder.stderr).toBe(EXIT.USAGE);
    expect(readdirSync(disk)).toEqual([]);
  });

  test("a loop of links: says so, and to remove it or give another path", async () => {
    const { app } = layout();
    const one = join(app, "one.sqlite");
    symlinkSync("two.sqlite", one);
    symlinkSync("one.sqlite", join(app, "two.sqlite"));
    for (const args of commands(one, () => tempDir())) {
      const r = await runCliInProcess(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(EXIT.USAGE);
      expect(r.stderr).toMatch(/is a symbolic link that never reaches a file \(a loop of links.*remove it or give another path/);
    }
    expect(readdirSync(app).sort()).toEqual(["one.sqlite", "two.sqlite"]);
    expect(existsSync(join(app, "one.sqlite.migrate-lock"))).toBe(false);
  });
});

/**
 * --db given a folder is E_STATE_NOT_A_DATABASE (exit 4), and with --json one object on stdout
 * carrying that code, which release scripts read (status-json-unreadable pins it). A link to a
 * folder is the same mistake (the data folder given for its database) and now gets the same answer:
 * since e0ed063 it was a usage error (exit 2) with nothing on stdout, so a script's JSON.parse of
 * `migrate status --json` failed for the link and not for the folder. Both messages name the folder
 * and the file to give instead.
 */
describe("--db, a link to a folder: answered as the folder it leads to is", () => {
  const commands = (db: string): string[][] => [
    ["migrate", "status", "--db", db, "--json"],
    ["migrate", "up", "--db", db, "--json"],
    ["migrate", "down", "--db", db, "--json"],
    ["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", db, "--dry-run", "--json", "--work-dir", tempDir()],
    ["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", db, "--json", "--work-dir", tempDir()],
  ];

  test("E_STATE_NOT_A_DATABASE, exit 4, one JSON object with the code on stdout, naming the folder; nothing is written in it", async () => {
    const { app, disk } = layout();
    const link = join(app, "data");
    symlinkSync(disk, link);
    for (const [given, what] of [[disk, "the folder"], [link, "the link"]] as const) {
      for (const args of commands(given)) {
        const r = await runCliInProcess(args);
        const run = `${args.slice(0, 2).join(" ")} ${what}: ${r.stderr}`;
        expect(r.code, run).toBe(EXIT.STATE);
        const out = JSON.parse(r.stdout) as { path: string; problem?: { code: string }; error?: { code: string; details: unknown } };
        expect(out.path, run).toBe(given);
        expect((out.problem ?? out.error)?.code, run).toBe("E_STATE_NOT_A_DATABASE");
        expect(r.stderr, run).toMatch(/error\[E_STATE_NOT_A_DATABASE\]/);
        expect(r.stderr, run).toContain(`e.g. ${join(disk, "state.sqlite")}`);
        if (given === link) expect(r.stderr, run).toContain(`${link} is a symbolic link to the folder ${disk}`);
        else expect(r.stderr, run).toContain(`${disk} is a folder, not a database file`);
      }
    }
    expect(readdirSync(disk)).toEqual([]);
    expect(readdirSync(app)).toEqual(["data"]);
  });
});
