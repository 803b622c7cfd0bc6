/** The local store's writer thread: durable new files, the OS's own errors, and a process it never holds. */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { BlockWriter } from "../../src/storage/backends/local/block-writer.js";
import { tempDir } from "../support/temp-dir.js";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("block writer", () => {
  test("writes bytes backed by a SharedArrayBuffer in place and other bytes by a copy, each into a new file under a directory it makes", async () => {
    const writer = BlockWriter.acquire();
    try {
      const dir = join(tempDir(), "not", "yet");
      const shared = new Uint8Array(new SharedArrayBuffer(3 << 20), 1000, 2 << 20);
      shared.set(randomBytes(shared.byteLength));
      const plain = randomBytes(777_777).subarray(11);
      await Promise.all([writer.write(shared, join(dir, "a"), dir), writer.write(plain, join(dir, "b"), dir), writer.write(new Uint8Array(0), join(dir, "c"), dir)]);
      expect(readFileSync(join(dir, "a")).equals(Buffer.from(shared))).toBe(true);
      expect(readFileSync(join(dir, "b")).equals(plain)).toBe(true);
      expect(readFileSync(join(dir, "c")).byteLength).toBe(0);
    } finally {
      await BlockWriter.release(writer);
    }
  });

  test("the operating system's refusal comes back as its own error (code, syscall, path), and the next write works", async () => {
    const writer = BlockWriter.acquire();
    try {
      const dir = tempDir();
      const taken = join(dir, "taken");
      writeFileSync(taken, "already here");
      await expect(writer.write(randomBytes(10), taken, dir)).rejects.toMatchObject({ code: "EEXIST", syscall: "open", path: taken });
      expect(readFileSync(taken, "utf8")).toBe("already here");
      const notADir = join(taken, "inside");
      await expect(writer.write(randomBytes(10), notADir, taken)).rejects.toMatchObject({ code: "ENOTDIR", syscall: "open" });
      await writer.write(Buffer.from("fine"), join(dir, "next"), dir);
      expect(readFileSync(join(dir, "next"), "utf8")).toBe("fine");
    } finally {
      await BlockWriter.release(writer);
    }
  });

  test("one thread for the process: acquires share it, the last release stops it, and a stopped writer refuses writes", async () => {
    const a = BlockWriter.acquire();
    const b = BlockWriter.acquire();
    expect(b).toBe(a);
    await BlockWriter.release(a);
    const dir = tempDir();
    await b.write(Buffer.from("still running"), join(dir, "x"), dir);
    await BlockWriter.release(b);
    await expect(b.write(Buffer.from("too late"), join(dir, "y"), dir)).rejects.toThrow(/stopped/);
    expect(existsSync(join(dir, "y"))).toBe(false);
    const c = BlockWriter.acquire();
    expect(c).not.toBe(a);
    await c.write(Buffer.from("a new thread"), join(dir, "z"), dir);
    await BlockWriter.release(c);
  });

  test("a pending write keeps the process alive until it is done, and the idle writer then lets the process end", async () => {
    const path = join(tempDir(), "out", "block");
    const size = 8 << 20;
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./support/block-writer-exit.ts", import.meta.url)), path, String(size)], {
        cwd: PROJECT_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(String(size));
  });
});
