/**
 * A folder is synced after a rename into it (a block, a downloaded file, the CLI's --out), so the new
 * name survives a power cut. Some platforms and file systems cannot do that: Windows refuses the
 * folder's flush (EPERM) or, on some paths, its open (EISDIR, EACCES); some network and FUSE file
 * systems answer EINVAL, ENOTSUP or EOPNOTSUPP; some systems refuse to sync a descriptor opened
 * read-only, as a folder must be (EBADF). There the rename stands, as durable as that platform
 * makes it. Any other failure (the disk failing: EIO; full: ENOSPC; the folder gone: ENOENT; out of
 * descriptors: EMFILE) means the rename may not be on disk and is thrown. The storage client's async
 * face and the CLI's sync face answer alike; they had two lists (the storage one threw a refused
 * open and EBADF, the CLI's threw EOPNOTSUPP). The OS's answer is given by pass-through wrappers of
 * node:fs and node:fs/promises that fail one step on one folder; everything else is the real module.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test, vi } from "vitest";
import { syncDirectory, syncDirectorySync } from "../../src/fs/index.js";
import { tempDir } from "../support/temp-dir.js";

const fault = vi.hoisted(() => ({ path: "", step: "open" as "open" | "sync", code: "", opened: 0, closed: 0 }));

function refusal(step: string, path: string): Error {
  return Object.assign(new Error(`${fault.code}: ${step} '${path}'`), { code: fault.code, syscall: step === "sync" ? "fsync" : "open", path });
}

vi.mock("node:fs", async (importReal) => {
  const real = await importReal<typeof import("node:fs")>();
  const folders = new Set<number>();
  const openSync = ((path: string, ...rest: unknown[]) => {
    if (String(path) !== fault.path || fault.path === "") return (real.openSync as (...args: unknown[]) => number)(path, ...rest);
    if (fault.step === "open") throw refusal("open", String(path));
    const fd = (real.openSync as (...args: unknown[]) => number)(path, ...rest);
    folders.add(fd);
    fault.opened++;
    return fd;
  }) as typeof real.openSync;
  const fsyncSync = ((fd: number) => {
    if (folders.has(fd)) throw refusal("sync", fault.path);
    real.fsyncSync(fd);
  }) as typeof real.fsyncSync;
  const closeSync = ((fd: number) => {
    if (folders.delete(fd)) fault.closed++;
    real.closeSync(fd);
  }) as typeof real.closeSync;
  const wrapped = { openSync, fsyncSync, closeSync };
  return { ...real, ...wrapped, default: { ...real, ...wrapped } };
});

vi.mock("node:fs/promises", async (importReal) => {
  const real = await importReal<typeof import("node:fs/promises")>();
  const open = (async (...args: Parameters<typeof real.open>) => {
    const path = String(args[0]);
    if (path !== fault.path || fault.path === "") return real.open(...args);
    if (fault.step === "open") throw refusal("open", path);
    const handle = await real.open(...args);
    fault.opened++;
    return new Proxy(handle, {
      get(target, key) {
        if (key === "sync") return async () => Promise.reject(refusal("sync", path));
        if (key === "close") return async () => (fault.closed++, target.close());
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }) as typeof real.open;
  return { ...real, default: { ...real, open }, open };
});

afterEach(() => {
  Object.assign(fault, { path: "", code: "", opened: 0, closed: 0 });
});

const faces = [
  ["the storage client's async syncDirectory", (dir: string) => syncDirectory(dir)],
  ["the CLI's syncDirectorySync", async (dir: string) => syncDirectorySync(dir)],
] as const;

function folder(): string {
  const dir = join(tempDir("scc-folder-sync-"), "folder");
  mkdirSync(dir);
  return dir;
}

describe.each(faces)("%s", (_face, sync) => {
  test("a folder the platform can sync: resolves", async () => {
    const dir = folder();
    await expect(sync(dir)).resolves.toBeUndefined();
  });

  test.each([
    ["open", "EISDIR"],
    ["open", "EACCES"],
    ["open", "EPERM"],
    ["sync", "EPERM"],
    ["sync", "EINVAL"],
    ["sync", "ENOTSUP"],
    ["sync", "EOPNOTSUPP"],
    ["sync", "EBADF"],
  ] as const)("the folder's %s refused %s (the platform cannot sync a folder): resolves, the rename stands, nothing left open", async (step, code) => {
    const dir = folder();
    Object.assign(fault, { path: dir, step, code });
    await expect(sync(dir)).resolves.toBeUndefined();
    expect(fault.closed).toBe(fault.opened);
  });

  test.each([
    ["open", "EMFILE"],
    ["open", "ENOENT"],
    ["sync", "EIO"],
    ["sync", "ENOSPC"],
    ["sync", "EDQUOT"],
  ] as const)("the folder's %s failing %s (the rename may not be on disk): rejects with the OS's error, nothing left open", async (step, code) => {
    const dir = folder();
    Object.assign(fault, { path: dir, step, code });
    await expect(sync(dir)).rejects.toMatchObject({ code });
    expect(fault.closed).toBe(fault.opened);
  });
});
