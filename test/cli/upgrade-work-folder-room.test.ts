import { closeSync, openSync, readdirSync, readSync, statfsSync, statSync, truncateSync, writeSync } from "node:fs";
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { runCliUnderFileSizeLimit } from "../support/file-size-limit.js";
import { tempDir } from "../support/temp-dir.js";
import { copyFixture, siblings } from "../state/support/files.js";
import { rehearseUpgrade } from "../../src/state/index.js";

/** The first MiB (header, schema, bookkeeping, the fixture's rows) and the size: what a rehearsal could write. */
function fingerprint(path: string): string {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(2 ** 20);
    const n = readSync(fd, head, 0, head.length, 0);
    return `${statSync(path).size}:${createHash("sha256").update(head.subarray(0, n)).digest("hex")}`;
  } finally {
    closeSync(fd);
  }
}

/**
 * A level-2 state file larger than the free space of `workDir`'s disk without taking that space:
 * its header says it has that many pages (the pages past the fixture's are zeros, a hole in the
 * file), so SQLite's page_count, and a backup copy of it, are that large.
 */
function fileLargerThanFreeSpaceOf(workDir: string): string {
  const path = copyFixture(2, tempDir(), "state with a large journal.sqlite");
  const fs = statfsSync(workDir);
  const free = Number(fs.bavail) * Number(fs.bsize);
  const fd = openSync(path, "r+");
  try {
    const header = Buffer.alloc(100);
    readSync(fd, header, 0, 100, 0);
    const pageSize = header.readUInt16BE(16) === 1 ? 65536 : header.readUInt16BE(16);
    const pages = Math.ceil((free + 2 ** 30) / pageSize);
    header.writeUInt32BE(pages, 28);
    writeSync(fd, header, 0, 100, 0);
    truncateSync(path, pages * pageSize);
  } finally {
    closeSync(fd);
  }
  return path;
}

describe("status-compat upgrade --dry-run with a work folder whose disk cannot hold the copy", () => {
  test("exit 4 before copying: the copy line names the folder, its free space and the size needed; nothing is left in the folder; the file is as it was", async () => {
    const work = tempDir();
    const path = fileLargerThanFreeSpaceOf(work);
    const before = fingerprint(path);
    const files = siblings(path);
    // Under a file-size limit: a build without the check copies until the limit stops it (64 MiB),
    // not until the disk this test shares with everything else is full.
    const r = await runCliUnderFileSizeLimit(["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", work], 64 * 2 ** 20);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/copies made with the SQLite backup API: 1\.* FAILED/);
    expect(r.stdout).toMatch(/has [\d.]+ [KMG]iB free, and the rehearsal's copy of .*state with a large journal\.sqlite needs [\d.]+ [KMG]iB there/);
    expect(r.stdout).toMatch(/could not finish/);
    expect(readdirSync(work)).toEqual([]);
    expect(fingerprint(path)).toBe(before);
    expect(siblings(path)).toEqual(files);
  });

  // The copies go to a folder of the run's own inside the folder the user gave, removed when the
  // run ends: a message naming it sent the user to a folder that was gone.
  test("--work-dir given: the copy line and the stderr line name that folder, not the run's own inside it, and say to free space there or pass another --work-dir", async () => {
    const work = tempDir();
    const path = fileLargerThanFreeSpaceOf(work);
    const r = await runCliUnderFileSizeLimit(["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db", path, "--dry-run", "--work-dir", work], 64 * 2 ** 20);
    expect(r.code).toBe(4);
    const line = r.stdout.split("\n").find((l) => l.startsWith("copies made")) ?? "";
    expect(line).toContain(`the --work-dir ${work} has `);
    expect(line).toMatch(/Free space there, or pass another --work-dir on a disk with room/);
    expect(r.stdout + r.stderr).not.toContain("status-compat-upgrade-");
    expect(r.stderr).toContain(`the --work-dir ${work} has `);
  });

  test("no --work-dir: the message names the temp folder used and says to free space there or pass a --work-dir; --json too", async () => {
    const tmp = tempDir();
    const path = fileLargerThanFreeSpaceOf(tmp);
    const r = await runCliUnderFileSizeLimit(["upgrade", "--from", "0.2.0", "--to", "0.3.0", "--db", path, "--dry-run", "--json"], 64 * 2 ** 20, { env: { TMPDIR: tmp } });
    expect(r.code).toBe(4);
    const report = JSON.parse(r.stdout) as { checks: { id: string; detail?: string }[] };
    const copy = report.checks.find((c) => c.id === "copy");
    expect(copy?.detail).toContain(`the temp folder ${tmp} has `);
    expect(copy?.detail).toMatch(/Free space there, or pass a --work-dir on a disk with room/);
    expect(r.stdout + r.stderr).not.toContain("status-compat-upgrade-");
    expect(readdirSync(tmp)).toEqual([]);
  });

  test("the library's own message names the workDir it was given, and its option", async () => {
    const work = tempDir();
    const path = fileLargerThanFreeSpaceOf(work);
    const report = await rehearseUpgrade({ path, from: "0.2.0", to: "0.3.0", workDir: work });
    const copy = report.checks.find((c) => c.id === "copy");
    expect(copy?.status).toBe("failed");
    expect(copy?.detail).toContain(`the work folder ${work} has `);
    expect(copy?.detail).toMatch(/Free space there, or pass another workDir on a disk with room/);
    expect(readdirSync(work)).toEqual([]);
  });
});
