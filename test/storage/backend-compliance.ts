/**
 * The StorageBackend compliance suite (js-libp2p style): one set of tests every backend must pass.
 *
 * Usage, in a `compliance.<impl>.test.ts`:
 *   backendCompliance("local", {
 *     async setup() { backend = createLocalBackend({ dir: ... }); return { backend }; },
 *     async teardown() { await backend.close(); },
 *   });
 *
 * `setup()` runs before and `teardown()` after every test, so each test gets a fresh backend.
 */
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import fc from "fast-check";
import type { StorageBackend } from "../../src/storage/backend.js";
import { StorageError, type StorageErrorCode } from "../../src/storage/storage-error.js";
import { seededBytes } from "../support/seeded-bytes.js";

export interface ComplianceContext {
  backend: StorageBackend;
}

export interface ComplianceHarness {
  setup(): Promise<ComplianceContext>;
  teardown(): Promise<void>;
  /**
   * A real Codex node looks for unknown content on the network and may not answer within the
   * backend's timeout; then E_TIMEOUT is accepted where E_NOT_FOUND is expected. Default false.
   */
  missingContentMayTimeOut?: boolean;
  /** Size of the large round trip; default 3 MiB. */
  largeBytes?: number;
}

const MiB = 1024 * 1024;

async function collect(body: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; chunks: number; largest: number }> {
  const parts: Buffer[] = [];
  let largest = 0;
  for await (const chunk of body) {
    parts.push(Buffer.from(chunk));
    largest = Math.max(largest, chunk.byteLength);
  }
  return { bytes: Buffer.concat(parts), chunks: parts.length, largest };
}

/** Yields `bytes` in uneven chunks (never aligned to 64 KiB blocks) to exercise streaming. */
async function* chunked(bytes: Uint8Array, size = 100_003): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.subarray(offset, offset + size);
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Rejects when `promise` has not settled within `ms`, so a backend that ignores aborts fails fast instead of hanging the suite. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function expectCode(promise: Promise<unknown>, codes: readonly StorageErrorCode[]): Promise<StorageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a StorageError with code ${codes.join(" or ")}`).toBeInstanceOf(StorageError);
  expect(codes).toContain((error as StorageError).code);
  return error as StorageError;
}

export function backendCompliance(name: string, harness: ComplianceHarness): void {
  const notFound: StorageErrorCode[] = harness.missingContentMayTimeOut === true ? ["E_NOT_FOUND", "E_TIMEOUT"] : ["E_NOT_FOUND"];
  const large = harness.largeBytes ?? 3 * MiB;

  describe(`StorageBackend compliance: ${name}`, () => {
    let backend: StorageBackend;
    beforeEach(async () => {
      ({ backend } = await harness.setup());
    });
    afterEach(async () => {
      await harness.teardown();
    });

    describe("round trips", () => {
      test("empty content round-trips with size 0", async () => {
        const cid = await backend.put(new Uint8Array(0));
        const got = await backend.get(cid);
        expect(got.size).toBe(0);
        expect((await collect(got.body)).bytes.byteLength).toBe(0);
      });

      test("one byte round-trips", async () => {
        const cid = await backend.put(Uint8Array.of(0x2a));
        const got = await backend.get(cid);
        expect(got.size).toBe(1);
        expect([...(await collect(got.body)).bytes]).toEqual([0x2a]);
      });

      test("multi-MiB content streamed from an async iterable round-trips byte for byte", async () => {
        const bytes = randomBytes(large + 12_345);
        const cid = await backend.put(chunked(bytes), { size: bytes.byteLength });
        const got = await backend.get(cid);
        expect(got.size).toBe(bytes.byteLength);
        const back = await collect(got.body);
        expect(back.bytes.byteLength).toBe(bytes.byteLength);
        expect(sha256(back.bytes)).toBe(sha256(bytes));
      });

      test("a put given a progress callback stores the same content under the same CID, and reports no progress once it resolved", async () => {
        const bytes = randomBytes(large);
        let calls = 0;
        let settled = false;
        let lateCalls = 0;
        const progress = (): void => {
          calls += 1;
          if (settled) lateCalls += 1;
        };
        const fromBuffer = await backend.put(bytes, { size: bytes.byteLength, progress });
        const fromStream = await backend.put(chunked(bytes), { size: bytes.byteLength, progress });
        settled = true;
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(fromStream).toBe(fromBuffer);
        expect(lateCalls).toBe(0);
        // Optional to call (a local store may not), but never more than once per byte.
        expect(calls).toBeLessThanOrEqual(2 * bytes.byteLength);
        expect(sha256((await collect((await backend.get(fromBuffer)).body)).bytes)).toBe(sha256(bytes));
      });

      test("an iterable of unknown total size is accepted", async () => {
        const bytes = randomBytes(300_000);
        const cid = await backend.put(chunked(bytes, 65_537));
        expect(sha256((await collect((await backend.get(cid)).body)).bytes)).toBe(sha256(bytes));
      });

      test("for any bytes, put then get returns them and put is deterministic", async () => {
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 140_000 }), async (seed, length) => {
            const bytes = seededBytes(seed, length);
            const cid = await backend.put(bytes);
            expect(await backend.put(chunked(bytes, 7_919))).toBe(cid);
            const got = await backend.get(cid);
            expect(got.size).toBe(length);
            expect(sha256((await collect(got.body)).bytes)).toBe(sha256(bytes));
          }),
          { numRuns: 12 },
        );
      });
    });

    describe("content addressing", () => {
      test("identical bytes give the identical CID; different bytes a different one", async () => {
        const a = randomBytes(70_000);
        const b = Buffer.from(a);
        b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 1;
        const first = await backend.put(a);
        expect(await backend.put(Buffer.from(a))).toBe(first);
        expect(await backend.put(chunked(a, 4096))).toBe(first);
        expect(await backend.put(b)).not.toBe(first);
      });
    });

    describe("has and delete", () => {
      test("has is true after put, false after delete, and get then fails with E_NOT_FOUND", async () => {
        const cid = await backend.put(randomBytes(10_000));
        expect(await backend.has(cid)).toBe(true);
        await backend.delete(cid);
        expect(await backend.has(cid)).toBe(false);
        await expectCode(backend.get(cid), notFound);
      });

      test("deleting absent content is not an error, twice in a row", async () => {
        const cid = await backend.put(randomBytes(1000));
        await backend.delete(cid);
        await expect(backend.delete(cid)).resolves.toBeUndefined();
        await expect(backend.delete(cid)).resolves.toBeUndefined();
      });

      test("deleting one CID leaves other content readable", async () => {
        const keep = randomBytes(5000);
        const keepCid = await backend.put(keep);
        const gone = await backend.put(randomBytes(5000));
        await backend.delete(gone);
        expect(await backend.has(keepCid)).toBe(true);
        expect(sha256((await collect((await backend.get(keepCid)).body)).bytes)).toBe(sha256(keep));
      });
    });

    describe("bad input", () => {
      const malformed = ["", "not-a-cid", "../../etc/passwd", "zDvZ/../../x", "z", "Qm0000000000000000000000000000000000000000000O", "b".repeat(5000), "zDvZ%2F.."];

      test.each(malformed.map((cid) => [JSON.stringify(cid.slice(0, 40)), cid]))(
        "malformed CID %s is refused by get, has and delete with E_BAD_CID or E_BACKEND_REJECTED",
        async (_label, cid) => {
          const codes: StorageErrorCode[] = ["E_BAD_CID", "E_BACKEND_REJECTED"];
          await expectCode(backend.get(cid), codes);
          await expectCode(backend.has(cid), codes);
          await expectCode(backend.delete(cid), codes);
        },
      );

      test("a generator or stream an earlier put took is refused (E_BACKEND_REJECTED), never stored as the empty content or a tail", async () => {
        const bytes = randomBytes(300_000);
        // Given up by a put refused at once (its signal already aborted): a generator's return() ends it unread.
        const refused = chunked(bytes);
        await expectCode(backend.put(refused, { signal: AbortSignal.abort() }), ["E_ABORTED"]);
        const again = await expectCode(backend.put(refused), ["E_BACKEND_REJECTED"]);
        expect(again.message).toMatch(/earlier put/);
        // Read to its end by a put that stored it.
        const stored = chunked(bytes);
        const cid = await backend.put(stored, { size: bytes.byteLength });
        await expectCode(backend.put(stored), ["E_BACKEND_REJECTED"]);
        await expectCode(backend.put(stored, { size: bytes.byteLength }), ["E_BACKEND_REJECTED"]);
        // A Node stream the caller read to its end, or destroyed, has nothing to give either.
        const spent = Readable.from([bytes]);
        for await (const chunk of spent) expect(chunk).toBeDefined();
        await expectCode(backend.put(spent), ["E_BACKEND_REJECTED"]);
        const destroyed = Readable.from([bytes]);
        destroyed.destroy();
        await expectCode(backend.put(destroyed), ["E_BACKEND_REJECTED"]);
        // A web ReadableStream is read once as well.
        const web = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(bytes);
            controller.close();
          },
        });
        expect(await backend.put(web as unknown as AsyncIterable<Uint8Array>)).toBe(cid);
        await expectCode(backend.put(web as unknown as AsyncIterable<Uint8Array>), ["E_BACKEND_REJECTED"]);
        // An iterable that makes a fresh iterator each time gives the content again.
        const reusable: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => chunked(bytes) };
        expect(await backend.put(reusable)).toBe(cid);
        expect(await backend.put(reusable)).toBe(cid);
      });

      test("a web ReadableStream read to its end, cancelled, errored or locked is refused (E_BACKEND_REJECTED), never stored as the empty content or thrown as a raw TypeError", async () => {
        const bytes = randomBytes(300_000);
        const cid = await backend.put(bytes);
        const web = (): ReadableStream<Uint8Array> =>
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(bytes);
              controller.close();
            },
          });
        const asBody = (stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> => stream as unknown as AsyncIterable<Uint8Array>;
        // Read to its end by the caller (its iterator then gives nothing): was the empty content's CID, as a success.
        const spent = web();
        for await (const chunk of asBody(spent)) expect(chunk).toBeDefined();
        expect((await expectCode(backend.put(asBody(spent)), ["E_BACKEND_REJECTED"])).details).toMatchObject({ body: "ReadableStream", state: "closed" });
        const cancelled = web();
        await cancelled.cancel();
        expect((await expectCode(backend.put(asBody(cancelled)), ["E_BACKEND_REJECTED"])).details).toMatchObject({ state: "closed" });
        const errored = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.error(new Error("the recorder failed"));
          },
        });
        expect((await expectCode(backend.put(asBody(errored)), ["E_BACKEND_REJECTED"])).details).toMatchObject({ state: "errored" });
        // Held by a reader (or a pipe): its iterator cannot be made (a raw TypeError, ERR_INVALID_STATE, escaped the put).
        const locked = web();
        const reader = locked.getReader();
        const refused = await expectCode(backend.put(asBody(locked), { size: bytes.byteLength }), ["E_BACKEND_REJECTED"]);
        expect(refused.details).toMatchObject({ state: "locked" });
        expect(refused.message).toMatch(/locked/);
        // Nothing read it: once its reader lets go, it is put as any fresh stream.
        reader.releaseLock();
        expect(await backend.put(asBody(locked), { size: bytes.byteLength })).toBe(cid);
      });

      test("a well-formed CID that was never stored: get fails with E_NOT_FOUND and has is false", async () => {
        const cid = await backend.put(randomBytes(2000));
        await backend.delete(cid);
        expect(await backend.has(cid)).toBe(false);
        const error = await expectCode(backend.get(cid), notFound);
        expect(error.message).toContain(cid);
      });
    });

    describe("cancellation", () => {
      test("an already-aborted signal makes put, get, has, delete and space reject with E_ABORTED", async () => {
        const cid = await backend.put(randomBytes(100));
        const signal = AbortSignal.abort();
        await expectCode(backend.put(randomBytes(100), { signal }), ["E_ABORTED"]);
        await expectCode(backend.get(cid, { signal }), ["E_ABORTED"]);
        await expectCode(backend.has(cid, { signal }), ["E_ABORTED"]);
        await expectCode(backend.delete(cid, { signal }), ["E_ABORTED"]);
        await expectCode(backend.space({ signal }), ["E_ABORTED"]);
        expect(await backend.has(cid)).toBe(true);
      });

      test("aborting mid-put rejects with E_ABORTED while the source is stalled, and the backend keeps working", async () => {
        const controller = new AbortController();
        let release: () => void = () => undefined;
        const stalled = new Promise<void>((resolve) => (release = resolve));
        let yielded = 0;
        async function* source(): AsyncGenerator<Uint8Array> {
          yield randomBytes(256 * 1024);
          yielded += 1;
          await stalled;
        }
        try {
          const pending = backend.put(source(), { signal: controller.signal });
          await new Promise((resolve) => setTimeout(resolve, 50));
          controller.abort();
          const error = await expectCode(within(pending, 5000, "put after abort"), ["E_ABORTED"]);
          expect(error.cause).toBe(controller.signal.reason);
          expect(yielded).toBeLessThanOrEqual(1);
        } finally {
          release();
        }
        const bytes = randomBytes(50_000);
        const cid = await backend.put(bytes);
        expect(sha256((await collect((await backend.get(cid)).body)).bytes)).toBe(sha256(bytes));
      });

      test("aborting mid-get makes the body fail with E_ABORTED, and the backend keeps working", async () => {
        const bytes = randomBytes(4 * MiB);
        const cid = await backend.put(bytes);
        const controller = new AbortController();
        const got = await backend.get(cid, { signal: controller.signal });
        let received = 0;
        const drain = async (): Promise<unknown> => {
          try {
            for await (const chunk of got.body) {
              received += chunk.byteLength;
              controller.abort();
            }
          } catch (e) {
            return e;
          }
          return undefined;
        };
        const error = await within(drain(), 5000, "get body after abort");
        expect(error).toBeInstanceOf(StorageError);
        expect((error as StorageError).code).toBe("E_ABORTED");
        expect(received).toBeLessThan(bytes.byteLength);
        expect(await backend.has(cid)).toBe(true);
      });
    });

    describe("space", () => {
      test("space() reports non-negative integers and used space grows by at least what was stored", async () => {
        const before = await backend.space();
        for (const value of [before.quotaMaxBytes, before.quotaUsedBytes]) {
          expect(Number.isSafeInteger(value)).toBe(true);
          expect(value).toBeGreaterThanOrEqual(0);
        }
        const size = 300_000;
        await backend.put(randomBytes(size));
        const after = await backend.space();
        expect(after.quotaUsedBytes).toBeGreaterThanOrEqual(before.quotaUsedBytes + size);
      });
    });

    describe("concurrency and streaming", () => {
      test("concurrent puts of different content all succeed with distinct CIDs that read back", async () => {
        const payloads = Array.from({ length: 8 }, () => randomBytes(200_000));
        const cids = await Promise.all(payloads.map((p, i) => backend.put(i % 2 === 0 ? p : chunked(p, 33_333))));
        expect(new Set(cids).size).toBe(payloads.length);
        const back = await Promise.all(cids.map(async (cid) => sha256((await collect((await backend.get(cid)).body)).bytes)));
        expect(back).toEqual(payloads.map(sha256));
      });

      test("concurrent puts of identical content agree on one CID", async () => {
        const bytes = randomBytes(150_000);
        const cids = await Promise.all(Array.from({ length: 6 }, () => backend.put(Buffer.from(bytes))));
        expect(new Set(cids).size).toBe(1);
        expect(await backend.has(cids[0] as string)).toBe(true);
      });

      test("a get is a stream: several chunks, none over 1 MiB, and it can be abandoned midway", async () => {
        const bytes = randomBytes(large);
        const cid = await backend.put(bytes);
        const whole = await collect((await backend.get(cid)).body);
        expect(whole.chunks).toBeGreaterThan(1);
        expect(whole.largest).toBeLessThanOrEqual(MiB);

        const partial = await backend.get(cid);
        for await (const chunk of partial.body) {
          expect(chunk.byteLength).toBeGreaterThan(0);
          break;
        }
        // Abandoning one body must not wedge the backend.
        expect(await backend.has(cid)).toBe(true);
        expect(sha256((await collect((await backend.get(cid)).body)).bytes)).toBe(sha256(bytes));
      });
    });
  });
}
