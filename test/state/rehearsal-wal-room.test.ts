/**
 * The dry run migrates a copy elsewhere (--work-dir), so it passed while the disk of the original
 * had no room for what the real upgrade writes beside it (its -wal until the commit, then the file's
 * growth): the real upgrade then stopped part way with the disk full and rolled back. The dry run
 * measures that on its copy and says it before, with the sizes, on its apply line (E_STATE_IO, the
 * real run's code). Tested on a real small file system: a tmpfs of 2 MiB in a mount namespace of
 * the child's own (as root, or as a user mapped to root in a user namespace), gone with the child.
 */
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { inSmallDisk } from "./support/small-disk.js";

interface Said {
  notOk: [string, string | null, string | null][];
  apply: string | null;
  verdict: string;
}
interface ChildReport {
  freeBefore: number;
  dry: Said;
  unchangedByDry: boolean;
  real: Said;
  levelAfterReal: number;
  walAfterReal: number;
  dryWithRoom: Said;
}

describe("upgrade dry run and the room the real upgrade needs beside the original", () => {
  test("a disk with 64 KiB free: the dry run fails its apply line with E_STATE_IO and the sizes, writing nothing; the real upgrade refuses as well (it stopped part way with the disk full) and keeps level 1; with room, no finding", async () => {
    const r = await inSmallDisk(tempDir(), "2m", "test/state/support/wal-room-child.ts", [tempDir(), String(64 * 1024)]);
    expect(r.code, r.stderr).toBe(0);
    const said = JSON.parse(r.stdout) as ChildReport;
    expect(said.freeBefore).toBeLessThanOrEqual(64 * 1024);

    expect(said.dry.notOk).toEqual([["apply", "E_STATE_IO", "ENOSPC"]]);
    expect(said.dry.apply).toMatch(
      /^E_STATE_IO: the real upgrade needs about \d+\.\d KiB free beside .*state\.sqlite, and .* has \d+\.\d KiB: on the copy the migrations wrote \d+\.\d KiB of -wal before their commit and grew the file by \d+\.\d KiB, so the real upgrade would stop part way with the disk full and roll back/,
    );
    expect(said.unchangedByDry).toBe(true);

    // What the dry run predicts: the real run on that disk.
    expect(said.real.notOk.map(([id, code]) => [id, code])).toEqual([["apply", "E_STATE_IO"]]);
    expect(said.real.apply).toMatch(/full/);
    expect(said.levelAfterReal).toBe(1);

    expect(said.dryWithRoom.notOk).toEqual([]);
    expect(said.dryWithRoom.verdict).toBe("ok");
  }, 60_000);

  // The level-1 fixture's upgrade to 0.3.0 writes about 225 KiB of -wal and grows the file by about
  // 108 KiB; the dry run's own reading makes the -shm (32 KiB) first. 320 KiB left is room for the
  // -wal and not for the growth.
  // `upgrade` without --dry-run rehearses first and so knows it too: it committed, exit 0, and left
  // the disk full with the upgrade in the -wal. It now refuses on its apply line, nothing written.
  test("room for the -wal but not for the file's growth: the dry run says the real upgrade would commit and leave the disk full with the upgrade in the -wal; the real upgrade refuses instead", async () => {
    const r = await inSmallDisk(tempDir(), "2m", "test/state/support/wal-room-child.ts", [tempDir(), String(320 * 1024)]);
    expect(r.code, r.stderr).toBe(0);
    const said = JSON.parse(r.stdout) as ChildReport;
    expect(said.dry.notOk).toEqual([["apply", "E_STATE_IO", "ENOSPC"]]);
    expect(said.dry.apply).toMatch(/so the real upgrade would commit, but the checkpoint that moves it from the -wal into the file would find the disk full/);
    expect(said.unchangedByDry).toBe(true);
    expect(said.real.notOk).toEqual([["apply", "E_STATE_IO", "ENOSPC"]]);
    expect(said.real.apply).toMatch(/so the real upgrade would commit, but the checkpoint .* would find the disk full/);
    expect(said.levelAfterReal).toBe(1);
    expect(said.walAfterReal).toBe(0);
  }, 60_000);
});
