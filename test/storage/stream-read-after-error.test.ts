/**
 * A fetchStream that failed half-way stays failed: a consumer that reads again after catching the
 * error (a retry loop around next(), a wrapper that logs and goes on) must get the error again, not
 * `done`, which reads as a file that ended normally with fewer bytes than it has.
 */
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/index.js";
import { decodeFileReference, encodeFileReference } from "../../src/wire/index.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

describe("reading a failed fetchStream again", () => {
  test("after E_INTEGRITY half-way, every later next() rejects with that error and nothing more is handed out", async () => {
    const { client, dir } = await startClient();
    const { path, bytes } = writeRandomFile(dir, "source.bin", 200 * KiB);
    const { reference } = await client.share({ path }).done;
    // Every chunk authenticates; the whole-file check fails once the pieces before the last were handed out.
    const view = decodeFileReference(reference, 3);
    view.plaintextSha256 = new Uint8Array(32).fill(1);
    const iterator = client.fetchStream(encodeFileReference(view, 3));
    let handedOut = 0;
    let failure: unknown;
    for (;;) {
      try {
        const step = await iterator.next();
        if (step.done === true) break;
        handedOut += step.value.byteLength;
      } catch (error) {
        failure = error;
        break;
      }
    }
    expect(failure).toBeInstanceOf(StorageError);
    expect((failure as StorageError).code).toBe("E_INTEGRITY");
    expect(handedOut).toBeGreaterThan(0);
    expect(handedOut).toBeLessThan(bytes.byteLength);
    for (let i = 0; i < 3; i++) await expect(iterator.next()).rejects.toBe(failure);
  });

  test("reads queued at once (none awaited before the next is asked for): none after the failure answers done", async () => {
    const { client, dir } = await startClient();
    const { path, bytes } = writeRandomFile(dir, "source.bin", 200 * KiB);
    const { reference } = await client.share({ path }).done;
    const view = decodeFileReference(reference, 3);
    view.plaintextSha256 = new Uint8Array(32).fill(1);
    const iterator = client.fetchStream(encodeFileReference(view, 3));
    // More reads than the file has chunks (4 KiB each).
    const reads = Array.from({ length: (200 * KiB) / 4096 + 10 }, () => iterator.next());
    const outcomes = await Promise.allSettled(reads);
    const firstFailure = outcomes.findIndex((o) => o.status === "rejected");
    expect(firstFailure).toBeGreaterThan(0);
    const handedOut = outcomes.slice(0, firstFailure).reduce((sum, o) => sum + ((o as PromiseFulfilledResult<IteratorResult<Buffer>>).value.value?.byteLength ?? 0), 0);
    expect(handedOut).toBeLessThan(bytes.byteLength);
    for (const later of outcomes.slice(firstFailure)) expect(later.status).toBe("rejected");
  });
});
