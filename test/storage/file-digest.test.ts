/**
 * fileSha256 hashes a file the application controls (a cache hit, a destination renamed before a
 * crash) on the hashing worker. A file that cannot be opened or read, or a hash stopped by its
 * signal, must leave nothing on the worker: no hash started there and left, no answer still owed
 * (an owed answer keeps the process alive), and a hash running beside it comes out whole.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { Sha256Offload } from "../../src/crypto/index.js";
import { fileSha256 } from "../../src/storage/file-digest.js";
import { tempDir } from "../support/temp-dir.js";

const MiB = 1024 * 1024;
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const local = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** What the worker still owes answers for, and whether it was ever started (private; a test's peek). */
function onWorker(hasher: Sha256Offload): { started: boolean; owed: number } {
  const inner = hasher as unknown as { worker: unknown; pending: Map<number, unknown> };
  return { started: inner.worker !== undefined, owed: inner.pending.size };
}

const hashers: Sha256Offload[] = [];
function newHasher(): Sha256Offload {
  const hasher = new Sha256Offload();
  hashers.push(hasher);
  return hasher;
}
afterEach(async () => {
  await Promise.all(hashers.splice(0).map((h) => h.close()));
});

describe("fileSha256 and the hashing worker", () => {
  test("a file that cannot be opened starts nothing on the worker", async () => {
    const dir = tempDir("scc-file-digest-");
    const hasher = newHasher();
    writeFileSync(join(dir, "a-file"), "x");
    for (const path of [join(dir, "missing.bin"), join(dir, "a-file", "below-a-file.bin")]) {
      await expect(fileSha256(hasher, path, 8 * MiB)).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOENT|ENOTDIR)$/) });
    }
    expect(onWorker(hasher)).toEqual({ started: false, owed: 0 });
  });

  test("a failed open beside a running hash leaves that hash whole, and a later one right", async () => {
    const dir = tempDir("scc-file-digest-");
    const hasher = newHasher();
    const other = Buffer.from(new SharedArrayBuffer(2 * MiB));
    other.set(randomBytes(2 * MiB));
    const running = hasher.running(other.byteLength);
    await running.update(other.subarray(0, MiB));
    await expect(fileSha256(hasher, join(dir, "missing.bin"), 8 * MiB)).rejects.toMatchObject({ code: "ENOENT" });
    await running.update(other.subarray(MiB));
    expect(hex(await running.digest())).toBe(local(other));
    const bytes = randomBytes(3 * MiB + 5);
    writeFileSync(join(dir, "file.bin"), bytes);
    expect(hex(await fileSha256(hasher, join(dir, "file.bin"), bytes.byteLength))).toBe(local(bytes));
    expect(onWorker(hasher).owed).toBe(0);
  });

  test("a read that fails after the open (a folder at the path) drops its hash: nothing is owed once a later hash is answered", async () => {
    const dir = tempDir("scc-file-digest-");
    const hasher = newHasher();
    mkdirSync(join(dir, "folder.bin"));
    const bytes = randomBytes(2 * MiB);
    writeFileSync(join(dir, "file.bin"), bytes);
    // The worker is running already: a hash left there would be owed an answer.
    expect(hex(await fileSha256(hasher, join(dir, "file.bin"), bytes.byteLength))).toBe(local(bytes));
    await expect(fileSha256(hasher, join(dir, "folder.bin"), 8 * MiB)).rejects.toMatchObject({ code: "EISDIR" });
    // The worker answers in order: once this is answered, so is anything the failure posted before it.
    expect(hex(await fileSha256(hasher, join(dir, "file.bin"), bytes.byteLength))).toBe(local(bytes));
    expect(onWorker(hasher).owed).toBe(0);
  });

  test("a hash stopped by its signal mid-file leaves nothing owed, and the next hash of the file is right", async () => {
    const dir = tempDir("scc-file-digest-");
    const hasher = newHasher();
    const bytes = randomBytes(8 * MiB);
    writeFileSync(join(dir, "file.bin"), bytes);
    const stop = new AbortController();
    // Stopped once the worker has its first MiB.
    const original = hasher.running.bind(hasher);
    hasher.running = (expected) => {
      const r = original(expected);
      return {
        ...r,
        update: async (b) => {
          await r.update(b);
          stop.abort();
        },
      };
    };
    await expect(fileSha256(hasher, join(dir, "file.bin"), bytes.byteLength, stop.signal)).rejects.toMatchObject({ code: "E_ABORTED" });
    hasher.running = original;
    expect(hex(await fileSha256(hasher, join(dir, "file.bin"), bytes.byteLength))).toBe(local(bytes));
    expect(onWorker(hasher).owed).toBe(0);
  });
});
