/**
 * writeWholeFile (`--out`, `--metrics`) makes the file durable before its name: the partial file is
 * synced before the rename and the folder after it, or a power cut left the name pointing at an
 * empty or partial file on ext4/xfs. A power cut cannot be simulated here, so the calls made on the
 * real node:fs are recorded (a pass-through mock) and their order asserted.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, test, vi } from "vitest";
import { writeWholeFile } from "../../src/cli/whole-file-write.js";
import { tempDir } from "../support/temp-dir.js";

interface Call {
  readonly call: string;
  /** The path opened or renamed onto, or the path of the descriptor the call was made on. */
  readonly path: string;
}

const record = vi.hoisted(() => ({
  calls: [] as Call[],
  /** The path whose descriptor's fsync fails, and with what code. */
  failSync: undefined as { path: string; code: string } | undefined,
}));

vi.mock("node:fs", async (importReal) => {
  const real = await importReal<typeof import("node:fs")>();
  const opened = new Map<number, string>();
  const openSync = ((path: string, ...rest: unknown[]) => {
    const fd = (real.openSync as (...args: unknown[]) => number)(path, ...rest);
    opened.set(fd, String(path));
    record.calls.push({ call: "open", path: String(path) });
    return fd;
  }) as typeof real.openSync;
  const fsyncSync = ((fd: number) => {
    const path = opened.get(fd) ?? `fd ${fd}`;
    record.calls.push({ call: "fsync", path });
    if (record.failSync?.path === path) {
      const code = record.failSync.code;
      throw Object.assign(new Error(`${code}: fsync`), { code, syscall: "fsync" });
    }
    real.fsyncSync(fd);
  }) as typeof real.fsyncSync;
  const fdatasyncSync = ((fd: number) => {
    record.calls.push({ call: "fsync", path: opened.get(fd) ?? `fd ${fd}` });
    real.fdatasyncSync(fd);
  }) as typeof real.fdatasyncSync;
  const closeSync = ((fd: number) => {
    record.calls.push({ call: "close", path: opened.get(fd) ?? `fd ${fd}` });
    opened.delete(fd);
    real.closeSync(fd);
  }) as typeof real.closeSync;
  const renameSync = ((from: string, to: string) => {
    record.calls.push({ call: "rename", path: String(to) });
    real.renameSync(from, to);
  }) as typeof real.renameSync;
  const wrapped = { openSync, fsyncSync, fdatasyncSync, closeSync, renameSync };
  return { ...real, ...wrapped, default: { ...real, ...wrapped } };
});

afterEach(() => {
  record.calls = [];
  record.failSync = undefined;
});

function indexOf(call: string, path: (p: string) => boolean): number {
  return record.calls.findIndex((c) => c.call === call && path(c.path));
}

describe("writeWholeFile", () => {
  test("syncs the written file before renaming it onto the name, and the folder after", () => {
    const dir = tempDir("scc-whole-write-");
    const out = join(dir, "report.md");
    writeFileSync(out, "last run's report\n");

    writeWholeFile(out, "this run's report\n");

    expect(readFileSync(out, "utf8")).toBe("this run's report\n");
    const rename = indexOf("rename", (p) => p === out);
    expect(rename, JSON.stringify(record.calls)).toBeGreaterThanOrEqual(0);
    const fileSync = indexOf("fsync", (p) => p.startsWith(`${out}.partial-`));
    expect(fileSync, `no sync of the partial file before its rename: ${JSON.stringify(record.calls)}`).toBeGreaterThanOrEqual(0);
    expect(fileSync).toBeLessThan(rename);
    const folderSync = record.calls.findIndex((c, i) => i > rename && c.call === "fsync" && c.path === dirname(out));
    expect(folderSync, `no sync of the folder after the rename: ${JSON.stringify(record.calls)}`).toBeGreaterThan(rename);
    // Nothing left open: every descriptor opened was closed.
    expect(record.calls.filter((c) => c.call === "close").length).toBe(record.calls.filter((c) => c.call === "open").length);
    expect(readdirSync(dir)).toEqual(["report.md"]);
  });

  test("a new file's name is made durable too (its folder synced after the rename)", () => {
    const dir = tempDir("scc-whole-write-");
    const out = join(dir, "metrics.prom");

    writeWholeFile(out, "scc_transfer_bytes_total 1\n");

    expect(readFileSync(out, "utf8")).toBe("scc_transfer_bytes_total 1\n");
    const rename = indexOf("rename", (p) => p === out);
    expect(indexOf("fsync", (p) => p.startsWith(`${out}.partial-`))).toBeLessThan(rename);
    expect(record.calls.findIndex((c, i) => i > rename && c.call === "fsync" && c.path === dir)).toBeGreaterThan(rename);
  });

  test("a file sync the disk fails (EIO) fails the write and leaves no part of it, nor the earlier file", () => {
    const dir = tempDir("scc-whole-write-");
    const out = join(dir, "report.md");
    writeFileSync(out, "last run's report\n");
    record.failSync = { path: `${out}.partial-${process.pid}`, code: "EIO" };

    expect(() => writeWholeFile(out, "this run's report\n")).toThrow(expect.objectContaining({ code: "EIO" }));

    expect(readdirSync(dir)).toEqual([]);
    expect(record.calls.filter((c) => c.call === "close").length).toBe(record.calls.filter((c) => c.call === "open").length);
  });

  test.each(["EINVAL", "ENOTSUP", "EOPNOTSUPP", "EBADF", "EISDIR", "EPERM"])("a folder sync the platform refuses (%s) keeps the written file", (code) => {
    const dir = tempDir("scc-whole-write-");
    const out = join(dir, "report.md");
    record.failSync = { path: dir, code };

    writeWholeFile(out, "this run's report\n");

    expect(readFileSync(out, "utf8")).toBe("this run's report\n");
    expect(indexOf("fsync", (p) => p === dir)).toBeGreaterThan(indexOf("rename", (p) => p === out));
    expect(readdirSync(dir)).toEqual(["report.md"]);
  });

  test("a name near the file system's limit (255 bytes: 80 CJK characters) is written; the file beside it had a name too long (ENAMETOOLONG)", () => {
    const dir = tempDir("scc-whole-write-");
    const out = join(dir, `${"報".repeat(80)}.md`);

    writeWholeFile(out, "this run's report\n");

    expect(readFileSync(out, "utf8")).toBe("this run's report\n");
    expect(readdirSync(dir)).toEqual([`${"報".repeat(80)}.md`]);
  });
});
