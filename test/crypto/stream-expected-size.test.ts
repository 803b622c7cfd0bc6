/**
 * decryptStream with an expected plaintext size (a reference says it) refuses a stream that decrypts
 * to more: it must stop there, not hand the reader every byte of a longer stream first (a reader
 * writing to disk expecting 1 KiB would otherwise take gigabytes before the error).
 */
import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { decryptStream, encryptStream, newStreamParams, type StreamParams } from "../../src/crypto/index.js";

async function* feed(bytes: Uint8Array, step: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += step) yield bytes.subarray(at, at + step);
}

async function seal(plaintext: Uint8Array, params: StreamParams): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of encryptStream(feed(plaintext, 4096), params)) parts.push(part);
  return Buffer.concat(parts);
}

/** Plaintext bytes handed to the reader before the stream ended or failed, and how it ended. */
async function drain(stream: AsyncIterable<Buffer>): Promise<{ yielded: number; outcome: string }> {
  let yielded = 0;
  try {
    for await (const part of stream) yielded += part.byteLength;
    return { yielded, outcome: "ok" };
  } catch (error) {
    return { yielded, outcome: (error as { code?: string }).code ?? String(error) };
  }
}

describe("decryptStream with an expected size", () => {
  test.each([
    ["far more chunks than expected", 100, 64 * 1024],
    ["exactly one full chunk expected, more follow", 1024, 4 * 1024],
    ["expected size ends inside a later chunk", 1500, 10 * 1024],
  ])("%s: refused with E_CRYPTO_TRAILING_DATA having yielded no more than the expected bytes", async (_what, expected, actual) => {
    const params = newStreamParams(1024);
    const sealed = await seal(randomBytes(actual), params);
    const { yielded, outcome } = await drain(decryptStream(feed(sealed, 999), params, { expectedPlaintextSize: expected }));
    expect(outcome).toBe("E_CRYPTO_TRAILING_DATA");
    expect(yielded).toBeLessThanOrEqual(expected);
  });

  test("a stream of exactly the expected size, chunk-aligned or not, still decrypts whole", async () => {
    for (const size of [0, 1, 1023, 1024, 1025, 4096]) {
      const params = newStreamParams(1024);
      const plain = randomBytes(size);
      const { yielded, outcome } = await drain(decryptStream(feed(await seal(plain, params), 999), params, { expectedPlaintextSize: size }));
      expect({ size, yielded, outcome }).toEqual({ size, yielded: size, outcome: "ok" });
    }
  });

  test.each([
    ["a few bytes after a short final chunk", 1500, 5],
    ["a few bytes after a full final chunk", 2048, 7],
    ["part of a chunk after the final one", 1500, 600],
    ["bytes after an empty file's one chunk", 0, 3],
  ])("%s: E_CRYPTO_TRAILING_DATA (not an authentication failure), with no more than the expected bytes yielded", async (_what, size, extra) => {
    const params = newStreamParams(1024);
    const sealed = Buffer.concat([await seal(randomBytes(size), params), randomBytes(extra)]);
    const { yielded, outcome } = await drain(decryptStream(feed(sealed, 999), params, { expectedPlaintextSize: size }));
    expect(outcome).toBe("E_CRYPTO_TRAILING_DATA");
    expect(yielded).toBeLessThanOrEqual(size);
  });

  test("an expected size that is no size (negative, fractional, NaN) is E_CRYPTO_BAD_PARAMS before any byte is read", async () => {
    const params = newStreamParams(1024);
    const sealed = await seal(randomBytes(100), params);
    for (const expected of [-1, 99.5, Number.NaN]) {
      let read = 0;
      async function* counted(): AsyncGenerator<Uint8Array> {
        read++;
        yield sealed;
      }
      const { yielded, outcome } = await drain(decryptStream(counted(), params, { expectedPlaintextSize: expected }));
      expect({ expected, yielded, outcome, read }).toEqual({ expected, yielded: 0, outcome: "E_CRYPTO_BAD_PARAMS", read: 0 });
    }
  });
});
