/**
 * A rehearsal killed outright (SIGKILL: the OOM killer, a CI job's timeout) cannot remove its
 * copies: its folder under --work-dir (the OS temp folder by default) stayed, the database's size
 * and more, one more per killed run, and no later run removed it. The next `upgrade` now removes
 * such folders, and only those whose run is gone: a live run's folder stays.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { LockFile, writeFixture } from "../../src/state/index.js";
import { copyFixture } from "../state/support/files.js";
import { runCliInProcess, startCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

describe("status-compat upgrade: copies left by a killed rehearsal", () => {
  test("a rehearsal killed with SIGKILL after its copy leaves its folder; the next upgrade with that --work-dir removes it and leaves the work folder empty", async () => {
    const dir = tempDir();
    const path = join(dir, "state.sqlite");
    await writeFixture({ out: path, level: 1, rows: 60_000 });
    const work = join(dir, "work");
    mkdirSync(work);
    const cli = startCli(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", work], { STATUS_COMPAT_LOG_LEVEL: "info" });
    void cli.stderrHas('"check":"copy"').then(() => cli.child.kill("SIGKILL"));
    const ended = await cli.closed;
    expect(ended.signal, cli.output.stderr.slice(-2000)).toBe("SIGKILL");
    const left = readdirSync(work);
    expect(left).toHaveLength(1);
    expect(readdirSync(join(work, left[0] as string)).some((f) => f.endsWith(".sqlite"))).toBe(true);

    const again = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", work]);
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(work)).toEqual([]);
  }, 60_000);

  test("a folder whose run is alive (its owner lock held), one without an owner lock and other files are left alone", async () => {
    const dir = tempDir();
    const path = copyFixture(1, dir);
    const work = join(dir, "work");
    mkdirSync(work);
    const live = join(work, "status-compat-upgrade-live01");
    mkdirSync(live);
    writeFileSync(join(live, "copy.sqlite"), "a live run's copy");
    const owner = LockFile.open(join(live, ".owner-lock"));
    expect(owner.tryTake()).toBe(true);
    const unowned = join(work, "status-compat-upgrade-older1");
    mkdirSync(unowned);
    writeFileSync(join(work, "notes.txt"), "mine");
    try {
      const r = await runCliInProcess(["upgrade", "--from", "0.1.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", work]);
      expect(r.code, r.stderr).toBe(0);
      expect(readdirSync(work).sort()).toEqual(["notes.txt", "status-compat-upgrade-live01", "status-compat-upgrade-older1"]);
      expect(existsSync(join(live, "copy.sqlite"))).toBe(true);
    } finally {
      owner.release();
    }
  });
});
