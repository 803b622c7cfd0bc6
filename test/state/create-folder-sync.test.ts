/**
 * A `migrate up` that creates a missing file commits it under a draft's name, then links it to the
 * file's name and syncs the folder so that name survives a power cut. The folder sync is
 * src/fs's: where the platform cannot sync a folder (EINVAL, ENOTSUP, EPERM, ...) the link stands
 * as durable as that platform makes it; any other failure (EIO: the disk failed to write the
 * folder back) means the committed file's name may be lost, which the run must say with its own
 * code, not hide. The OS's answer comes from a pass-through wrapper of node:fs that fails the
 * fsync of one folder (as test/fs/folder-sync.test.ts does); SQLite's own I/O is native, untouched.
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test, vi } from "vitest";
import { inspectState, migrateState, StateError } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";

const fault = vi.hoisted(() => ({ dir: "", code: "", synced: 0, linkCode: "" }));

vi.mock("node:fs", async (importReal) => {
  const real = await importReal<typeof import("node:fs")>();
  const folders = new Set<number>();
  const openSync = ((path: string, ...rest: unknown[]) => {
    const fd = (real.openSync as (...args: unknown[]) => number)(path, ...rest);
    if (fault.dir !== "" && String(path) === fault.dir) folders.add(fd);
    return fd;
  }) as typeof real.openSync;
  const fsyncSync = ((fd: number) => {
    if (folders.has(fd)) {
      fault.synced++;
      throw Object.assign(new Error(`${fault.code}: fsync`), { code: fault.code, syscall: "fsync" });
    }
    real.fsyncSync(fd);
  }) as typeof real.fsyncSync;
  const closeSync = ((fd: number) => {
    folders.delete(fd);
    real.closeSync(fd);
  }) as typeof real.closeSync;
  const linkSync = ((from: string, to: string) => {
    if (fault.linkCode !== "") throw Object.assign(new Error(`${fault.linkCode}: link '${from}' -> '${to}'`), { code: fault.linkCode, syscall: "link" });
    real.linkSync(from, to);
  }) as typeof real.linkSync;
  const wrapped = { openSync, fsyncSync, closeSync, linkSync };
  return { ...real, ...wrapped, default: { ...real, ...wrapped } };
});

afterEach(() => {
  Object.assign(fault, { dir: "", code: "", synced: 0, linkCode: "" });
});

function folder(): string {
  const dir = join(tempDir("scc-create-sync-"), "state");
  mkdirSync(dir);
  return dir;
}

describe("migrate up creating a file: the folder sync after the link", () => {
  test("EIO: E_STATE_SYNC_FAILED naming the file, its level and the OS's code; the file is committed and there, no draft left", async () => {
    const dir = folder();
    const path = join(dir, "state.sqlite");
    Object.assign(fault, { dir, code: "EIO" });
    const error = await migrateState({ path, direction: "up" }).catch((e: unknown) => e);
    expect(fault.synced).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(StateError);
    expect(error).toMatchObject({ code: "E_STATE_SYNC_FAILED", details: { path, level: 3, osCode: "EIO" } });
    const message = (error as Error).message;
    expect(message).toContain(path);
    expect(message).toMatch(/committed/);
    expect(message).toMatch(/power/);
    expect(message).not.toMatch(/\.new-\d+-/);
    // What was committed stands: the next command sees the file at level 3.
    Object.assign(fault, { dir: "" });
    expect(inspectState(path)).toMatchObject({ level: 3, problem: undefined });
    expect(readdirSync(dir).filter((f) => f.startsWith("."))).toEqual([]);
  });

  test.each(["EINVAL", "ENOTSUP", "EPERM"])("%s (the platform cannot sync a folder): the run succeeds, the file is there", async (code) => {
    const dir = folder();
    const path = join(dir, "state.sqlite");
    Object.assign(fault, { dir, code });
    const result = await migrateState({ path, direction: "up" });
    expect(fault.synced).toBeGreaterThan(0);
    expect(result).toMatchObject({ path, after: { level: 3 } });
    expect(existsSync(path)).toBe(true);
  });

  test("a link the OS refuses for another reason than 'no hard links' (EMLINK): E_STATE_IO naming the file, not the OS's raw error; nothing created", async () => {
    const dir = folder();
    const path = join(dir, "state.sqlite");
    fault.linkCode = "EMLINK";
    const error = await migrateState({ path, direction: "up" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
    expect(error).toMatchObject({ code: "E_STATE_IO", details: { path, osCode: "EMLINK" } });
    expect((error as Error).message).not.toMatch(/\.new-\d+-/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
