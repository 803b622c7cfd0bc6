/**
 * put() given a body that is neither bytes nor an async iterable of them (a string, null, an array
 * of buffers, an ArrayBuffer: a JavaScript caller's mistake) threw a raw TypeError
 * ("body[Symbol.asyncIterator] is not a function"), not the layer's typed error the local store
 * gives for the same call. It is now refused E_BACKEND_REJECTED without a request.
 */
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { codexSetup } from "./codex-fixtures.js";

describe("a put whose body is not a body", () => {
  test("a string, null, an array of buffers or an ArrayBuffer is refused E_BACKEND_REJECTED, nothing sent", async () => {
    const { server, backend } = await codexSetup();
    for (const body of ["hello", null, undefined, [Buffer.from("a")], new ArrayBuffer(3), 42]) {
      const refused = await backend.put(body as unknown as Uint8Array).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused, String(body)).toBeInstanceOf(StorageError);
      expect((refused as StorageError).code).toBe("E_BACKEND_REJECTED");
      expect((refused as StorageError).message).toMatch(/neither bytes/);
    }
    expect(server.stats.requests).toBe(0);
  });
});
