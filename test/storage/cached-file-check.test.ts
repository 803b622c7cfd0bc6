/**
 * The one check of "this cached file still holds the reference's content" that a fetch served from
 * the cache and a download finding its content cached while it waited its turn both use (they had
 * one each: fetch-intake.ts and download/placed-before.ts). Its verdicts, on real files.
 */
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { Sha256Offload } from "../../src/crypto/index.js";
import { checkCachedFile } from "../../src/storage/cached-file-check.js";
import type { FileReference } from "../../src/wire/index.js";
import { tempDir } from "../support/temp-dir.js";

const hasher = new Sha256Offload();
afterAll(() => hasher.close());

function viewOf(bytes: Buffer, size = bytes.length): FileReference {
  return { plaintextSize: size, plaintextSha256: createHash("sha256").update(bytes).digest() } as unknown as FileReference;
}

describe("checkCachedFile", () => {
  const bytes = randomBytes(300 * 1024);
  const live = new AbortController().signal;

  test("the reference's bytes: content, with the digest of exactly its size", async () => {
    const path = join(tempDir(), "f");
    writeFileSync(path, bytes);
    const check = await checkCachedFile(hasher, path, viewOf(bytes), live);
    expect(check.verdict).toBe("content");
    expect(check.digest?.bytes).toBe(bytes.length);
  });

  test("the same bytes under a reference giving another size: wrong-size (the reference is wrong), with the bytes hashed", async () => {
    const path = join(tempDir(), "f");
    writeFileSync(path, bytes);
    const check = await checkCachedFile(hasher, path, viewOf(bytes, bytes.length + 1), live);
    expect(check).toMatchObject({ verdict: "wrong-size", digest: { bytes: bytes.length } });
  });

  test("a file written to since (one byte changed): changed", async () => {
    const path = join(tempDir(), "f");
    const edited = Buffer.from(bytes);
    edited[1000] = (edited[1000] as number) ^ 0xff;
    writeFileSync(path, edited);
    expect((await checkCachedFile(hasher, path, viewOf(bytes), live)).verdict).toBe("changed");
  });

  test("no file at the path: gone; a folder there (EISDIR) or an aborted signal is thrown", async () => {
    const dir = tempDir();
    expect(await checkCachedFile(hasher, join(dir, "missing"), viewOf(bytes), live)).toEqual({ verdict: "gone" });
    await expect(checkCachedFile(hasher, dir, viewOf(bytes), live)).rejects.toMatchObject({ code: "EISDIR" });
    const path = join(dir, "f");
    writeFileSync(path, bytes);
    await expect(checkCachedFile(hasher, path, viewOf(bytes), AbortSignal.abort())).rejects.toBeDefined();
  });
});
