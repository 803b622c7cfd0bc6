import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  CryptoError,
  TAG_BYTES,
  ciphertextSize,
  decryptStream,
  encryptStream,
  newStreamParams,
  sealedChunkSize,
  type CryptoErrorCode,
  type StreamParams,
} from "../../src/crypto/index.js";
import { seededBytes, seededParams } from "../support/seeded-bytes.js";

async function* feed(bytes: Uint8Array, step: number): AsyncGenerator<Uint8Array> {
  if (bytes.byteLength === 0) return;
  for (let at = 0; at < bytes.byteLength; at += step) yield bytes.subarray(at, at + step);
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

async function seal(plaintext: Uint8Array, params: StreamParams, step = 1000): Promise<Buffer> {
  return collect(encryptStream(feed(plaintext, step), params));
}

async function openError(sealed: Uint8Array, params: StreamParams, step = 777): Promise<CryptoErrorCode> {
  try {
    await collect(decryptStream(feed(sealed, step), params));
  } catch (error) {
    expect(error).toBeInstanceOf(CryptoError);
    return (error as CryptoError).code;
  }
  throw new Error("decryption unexpectedly succeeded");
}

const chunkSizes = fc.constantFrom(1, 16, 100, 4096);

describe("chunked AES-256-GCM stream", () => {
  test("for any plaintext, chunk size and input slicing, decrypt(encrypt(p)) = p and the size is p + 16 per chunk", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 20_000 }), chunkSizes, fc.integer({ min: 1, max: 5000 }), async (plain, chunkSize, step) => {
        const params = newStreamParams(chunkSize);
        const sealed = await seal(plain, params, step);
        expect(sealed.byteLength).toBe(ciphertextSize(plain.byteLength, chunkSize));
        const back = await collect(decryptStream(feed(sealed, step), params, { expectedPlaintextSize: plain.byteLength }));
        expect(back.equals(Buffer.from(plain))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  test("empty plaintext is one authenticated final chunk of 16 bytes", async () => {
    const params = newStreamParams(64);
    const sealed = await seal(new Uint8Array(0), params);
    expect(sealed.byteLength).toBe(TAG_BYTES);
    expect((await collect(decryptStream(feed(sealed, 5), params))).byteLength).toBe(0);
    expect(await openError(new Uint8Array(0), params)).toBe("E_CRYPTO_TRUNCATED");
  });

  test("flipping any one bit of the ciphertext is detected as an authentication failure", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 3000 }), chunkSizes, fc.nat(), fc.integer({ min: 0, max: 7 }), async (plain, chunkSize, at, bit) => {
        const params = newStreamParams(chunkSize);
        const sealed = await seal(plain, params);
        const i = at % sealed.byteLength;
        sealed[i] = (sealed[i] as number) ^ (1 << bit);
        expect(await openError(sealed, params)).toBe("E_CRYPTO_AUTH_FAILED");
      }),
      { numRuns: 80 },
    );
  });

  test("cutting the ciphertext anywhere short of its end is detected", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 3000 }), chunkSizes, fc.nat(), async (plain, chunkSize, cut) => {
        const params = newStreamParams(chunkSize);
        const sealed = await seal(plain, params);
        const keep = cut % sealed.byteLength;
        const code = await openError(sealed.subarray(0, keep), params);
        expect(["E_CRYPTO_TRUNCATED", "E_CRYPTO_AUTH_FAILED"]).toContain(code);
      }),
      { numRuns: 80 },
    );
  });

  test("a cut exactly on a chunk boundary is reported as truncation", async () => {
    const params = newStreamParams(100);
    const sealed = await seal(randomBytes(1000), params);
    const step = sealedChunkSize(100);
    for (const chunks of [1, 4, 9]) expect(await openError(sealed.subarray(0, chunks * step), params)).toBe("E_CRYPTO_TRUNCATED");
  });

  test("swapping any two distinct chunks is detected", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 12 }), fc.nat(), fc.nat(), async (chunks, a, b) => {
        const params = seededParams(a ^ b, 64);
        const sealed = await seal(seededBytes(a + b, chunks * 64), params);
        const step = sealedChunkSize(64);
        const i = a % chunks;
        const j = (i + 1 + (b % (chunks - 1))) % chunks;
        const swapped = Buffer.from(sealed);
        sealed.copy(swapped, i * step, j * step, (j + 1) * step);
        sealed.copy(swapped, j * step, i * step, (i + 1) * step);
        expect(await openError(swapped, params)).toBe("E_CRYPTO_AUTH_FAILED");
      }),
      { numRuns: 40 },
    );
  });

  test("dropping a middle chunk is detected", async () => {
    const params = newStreamParams(64);
    const sealed = await seal(randomBytes(64 * 6 + 10), params);
    const step = sealedChunkSize(64);
    const dropped = Buffer.concat([sealed.subarray(0, 2 * step), sealed.subarray(3 * step)]);
    expect(await openError(dropped, params)).toBe("E_CRYPTO_AUTH_FAILED");
  });

  test("a chunk appended after the final one is reported as trailing data", async () => {
    const params = newStreamParams(64);
    const sealed = await seal(randomBytes(64 * 4), params);
    const step = sealedChunkSize(64);
    const appended = Buffer.concat([sealed, sealed.subarray(0, step)]);
    expect(await openError(appended, params)).toBe("E_CRYPTO_TRAILING_DATA");
    // Two whole encryptions of one file back to back are refused the same way.
    expect(await openError(Buffer.concat([sealed, sealed]), params)).toBe("E_CRYPTO_TRAILING_DATA");
  });

  test("a wrong key or a wrong nonce prefix fails authentication on the first chunk", async () => {
    const params = newStreamParams(256);
    const sealed = await seal(randomBytes(5000), params);
    expect(await openError(sealed, { ...params, key: randomBytes(32) })).toBe("E_CRYPTO_AUTH_FAILED");
    expect(await openError(sealed, { ...params, noncePrefix: randomBytes(7) })).toBe("E_CRYPTO_AUTH_FAILED");
  });

  test("a decrypted size other than the expected one is refused", async () => {
    const params = newStreamParams(64);
    const sealed = await seal(randomBytes(300), params);
    await expect(collect(decryptStream(feed(sealed, 50), params, { expectedPlaintextSize: 301 }))).rejects.toMatchObject({ code: "E_CRYPTO_TRUNCATED" });
    await expect(collect(decryptStream(feed(sealed, 50), params, { expectedPlaintextSize: 299 }))).rejects.toMatchObject({ code: "E_CRYPTO_TRAILING_DATA" });
  });

  test("malformed parameters are refused with E_CRYPTO_BAD_PARAMS and the message carries no key bytes", async () => {
    const key = randomBytes(31);
    for (const bad of [
      { key, noncePrefix: randomBytes(7), chunkSize: 64 },
      { key: randomBytes(32), noncePrefix: randomBytes(8), chunkSize: 64 },
      { key: randomBytes(32), noncePrefix: randomBytes(7), chunkSize: 0 },
      { key: randomBytes(32), noncePrefix: randomBytes(7), chunkSize: 4 * 1024 * 1024 + 1 },
    ]) {
      const error = await collect(encryptStream(feed(randomBytes(10), 5), bad)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CryptoError);
      expect((error as CryptoError).code).toBe("E_CRYPTO_BAD_PARAMS");
      expect((error as CryptoError).message).not.toContain(key.toString("hex"));
      expect(JSON.stringify(error)).not.toContain(key.toString("hex"));
    }
  });
});
