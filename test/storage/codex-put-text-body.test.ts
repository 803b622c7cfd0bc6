/**
 * A streamed put whose body yields text rather than bytes (a Readable with an encoding set,
 * Readable.from of strings, a JavaScript caller's mistake) was taken for an empty body when its
 * first chunks were text (no byteLength): put resolved with the empty content's CID and nothing was
 * stored, so a get under it gave 0 bytes. Text after bytes went out as UTF-8 uncounted (progress NaN,
 * the size check blind). An ArrayBuffer chunk likewise. As the local store does (42d02dd), a chunk
 * that is not a Uint8Array is now refused E_BACKEND_REJECTED, nothing stored, the source handed back.
 */
import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import { EMPTY_CONTENT_CID } from "../../src/storage/backends/codex/index.js";
import { codexSetup, storageError } from "./codex-fixtures.js";

describe("a put whose body yields something other than bytes", () => {
  test("a stream of text is refused E_BACKEND_REJECTED, not stored as empty content", async () => {
    const { server, backend } = await codexSetup();
    const refused = await storageError(backend.put(Readable.from(["hello world"])), "E_BACKEND_REJECTED");
    expect(refused.message).toContain("string");
    await storageError(backend.put(Readable.from(["hello world"]), { size: 11 }), "E_BACKEND_REJECTED");
    expect(server.stats.uploads).toBe(0);
  });

  test("text or an ArrayBuffer after the first bytes is refused too, nothing stored, and the source is given up", async () => {
    const { server, backend } = await codexSetup();
    for (const odd of ["hello", new ArrayBuffer(4)]) {
      let givenUp = false;
      async function* body(): AsyncGenerator<Uint8Array> {
        try {
          yield Buffer.from("first bytes");
          yield odd as unknown as Uint8Array;
          yield Buffer.from("never read");
        } finally {
          givenUp = true;
        }
      }
      const put = backend.put(body());
      const refused = await storageError(put, "E_BACKEND_REJECTED");
      expect(refused.message).toContain(typeof odd === "string" ? "string" : "ArrayBuffer");
      expect(givenUp).toBe(true);
    }
    expect(server.stats.uploads).toBe(0);
  });

  test("bytes still go through, and an empty stream of bytes is still the empty content", async () => {
    const { backend } = await codexSetup();
    const cid = await backend.put(Readable.from([Buffer.from("hello "), Buffer.from("world")]));
    expect(cid).not.toBe(EMPTY_CONTENT_CID);
    expect(await backend.put(Readable.from([Buffer.alloc(0)]))).toBe(EMPTY_CONTENT_CID);
  });
});
