/**
 * `file put/get --metrics FILE` is read by CI scrapers. A write the disk refuses part-way (full, a
 * quota) left the part that was written at FILE, which a scraper reads as this run's (truncated)
 * metrics. The disk's refusal comes from a pass-through wrapper of node:fs' writeFileSync: writes
 * to the metrics path, or beside it (by path or through a descriptor opened there), put their first bytes on disk and then fail ENOSPC, as a full
 * disk does; every other call goes to the real one.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

/** Writes to paths starting with this one keep `bytes` bytes and then fail ENOSPC, while it is set. */
const fault = vi.hoisted(() => ({ path: "", bytes: 256, refused: 0 }));

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  // A write through a descriptor (the file is synced before its rename) is refused by the path it was opened at.
  const opened = new Map<number, string>();
  const openSync = ((path: string, ...rest: unknown[]) => {
    const fd = (real.openSync as (...args: unknown[]) => number)(path, ...rest);
    opened.set(fd, String(path));
    return fd;
  }) as typeof real.openSync;
  const writeFileSync = ((...args: Parameters<typeof real.writeFileSync>) => {
    const [file, data] = args;
    const path = typeof file === "number" ? opened.get(file) : file;
    if (fault.path !== "" && typeof path === "string" && path.startsWith(fault.path)) {
      fault.refused++;
      real.writeFileSync(file, String(data).slice(0, fault.bytes));
      throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: "ENOSPC", errno: -28, syscall: "write" });
    }
    return real.writeFileSync(...args);
  }) as typeof real.writeFileSync;
  return { ...real, default: { ...real, openSync, writeFileSync }, openSync, writeFileSync };
});

describe("status-compat file put --metrics on a disk that refuses the metrics part-way", () => {
  test("no part of the metrics is left at --metrics (nor an earlier run's, nor a file beside it); the put succeeds and a line says the metrics are lost", async () => {
    const dir = tempDir("scc-cli-metrics-refused-");
    const path = join(dir, "photo.jpg");
    writeFileSync(path, randomBytes(20_000));
    const metrics = join(dir, "metrics", "put.prom");
    mkdirSync(join(dir, "metrics"));
    writeFileSync(metrics, "# an earlier run's metrics\n");
    fault.path = metrics;
    fault.refused = 0;
    let put;
    try {
      put = await runCliInProcess(["file", "put", path, "--home", join(dir, "home"), "--metrics", metrics]);
    } finally {
      fault.path = "";
    }
    expect(put.code, put.stderr).toBe(0);
    expect(fault.refused).toBe(1);
    expect(put.stderr).toMatch(/could not write --metrics .*put\.prom \(ENOSPC\); the metrics of this run are lost/);
    expect(existsSync(metrics), "a partial metrics file at --metrics").toBe(false);
    expect(readdirSync(join(dir, "metrics"))).toEqual([]);
  });
});
