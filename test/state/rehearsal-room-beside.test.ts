/**
 * The room the real upgrade needs beside the original, as the rehearsal measures it on its copy
 * (rehearsal-wal-room.test.ts has the plain cases). Three ways it was wrong:
 * - the free space was read while the rehearsal's own copy still filled the disk, so a --work-dir on
 *   the original's disk (the temp folder often is) made a dry run refuse an upgrade that had room;
 * - an app's commits left in the original's -wal (killed before its checkpoint) were not counted,
 *   though the checkpoint that follows the upgrade moves them into the file too: the dry run said OK
 *   and the real upgrade left the disk full, the upgrade held in the -wal;
 * - `upgrade` without --dry-run, which rehearses first, did not look at the room at all: it
 *   committed and left the disk full, exit 0.
 * On a real small file system: a tmpfs in a mount namespace of the child's own, gone with it.
 */
import { expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { inSmallDisk } from "./support/small-disk.js";

interface Said {
  notOk: [string, string | null, string | null][];
  apply: string | null;
  verdict: string;
}
interface ChildReport {
  walBefore: number;
  dry: Said;
  unchangedByDry: boolean;
  real: Said;
  unchangedByReal: boolean;
  levelAfterReal: number;
  walAfterReal: number;
  freeAfter: number;
  cli: { code: number; stderr: string };
}

/** room-beside-child.ts on a 4 MiB tmpfs: the work folder `same` (on it) or elsewhere, `leaveKiB` left free, `walKiB` of an app's commits in the -wal. */
async function onSmallDisk(work: "same" | "elsewhere", leaveKiB: number, walKiB: number): Promise<ChildReport> {
  const args = [work === "same" ? "same" : tempDir(), String(leaveKiB * 1024), String(walKiB * 1024)];
  const r = await inSmallDisk(tempDir(), "4m", "test/state/support/room-beside-child.ts", args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ChildReport;
}

// The level-1 fixture's upgrade to 0.3.0 needs about 365 KiB beside it (-wal, -shm, growth); its copy
// and the copy's -wal take about 660 KiB of the work folder while the rehearsal runs.
test("work folder on the original's disk: the room beside the original is read once the rehearsal's copies are gone, so an upgrade with room is no finding", async () => {
  const said = await onSmallDisk("same", 800, 0);
  expect(said.dry.notOk).toEqual([]);
  expect(said.dry.verdict).toBe("ok");
  expect(said.unchangedByDry).toBe(true);
  expect(said.real.notOk).toEqual([]);
  expect(said.levelAfterReal).toBe(3);
  expect(said.walAfterReal).toBe(0);
}, 60_000);

// About 1.2 MiB of -wal holding some 300 KiB of new pages: the checkpoint after the upgrade moves
// those into the file as well, about 690 KiB beside it in all.
test("an app's commits left in the -wal: their move into the file counts; short of it, the dry run's apply line and the real upgrade refuse, nothing written", async () => {
  const said = await onSmallDisk("elsewhere", 560, 300);
  expect(said.walBefore).toBeGreaterThan(0);
  expect(said.dry.notOk).toEqual([["apply", "E_STATE_IO", "ENOSPC"]]);
  expect(said.dry.apply).toMatch(/the checkpoint also moves the \d+\.\d KiB of commits already in .*state\.sqlite-wal into the file/);
  expect(said.unchangedByDry).toBe(true);
  expect(said.real.notOk).toEqual([["apply", "E_STATE_IO", "ENOSPC"]]);
  expect(said.unchangedByReal).toBe(true);
  expect(said.levelAfterReal).toBe(1);
  expect(said.freeAfter).toBeGreaterThan(0);
  // The CLI said "the database refused the upgrade itself": the database refused nothing, it was not run.
  expect(said.cli.code).toBe(4);
  expect(said.cli.stderr).toMatch(/^status-compat upgrade: every check passed on the copy; the upgrade itself was not run, its disk lacks the room: E_STATE_IO: the real upgrade needs about /m);
}, 60_000);

test("an app's commits left in the -wal, and room for them and the upgrade: no finding, and the real upgrade checkpoints it all", async () => {
  const said = await onSmallDisk("elsewhere", 1000, 300);
  expect(said.dry.notOk).toEqual([]);
  expect(said.real.notOk).toEqual([]);
  expect(said.levelAfterReal).toBe(3);
  expect(said.walAfterReal).toBe(0);
}, 60_000);
