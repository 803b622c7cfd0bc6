/**
 * A stream put with a declared size holds its last byte back until the source has ended (10988a2:
 * a node stores what reaches Content-Length, so a body longer than its size must never get there).
 * The held byte must be the byte the source gave, not a view of the source's buffer: a source may
 * reuse its buffer once it is asked for more (a reader filling one buffer per read), and asking for
 * more is exactly what ends it.
 */
import { describe, expect, test } from "vitest";
import { codexSetup, pattern } from "./codex-fixtures.js";

describe("the last byte of a stream put with a size", () => {
  test("is the byte the source yielded, though the source overwrites its buffer after the final yield", async () => {
    const { backend, server } = await codexSetup();
    const bytes = pattern(256 * 1024, 9);
    const expected = await backend.put(bytes);
    const reused = Buffer.from(bytes);
    const cid = await backend.put(
      (async function* () {
        yield reused;
        // Asked for its next chunk: the reader refills its one buffer, and finds the end.
        reused.fill(~bytes[bytes.byteLength - 1]! & 0xff);
      })(),
      { size: reused.byteLength },
    );
    expect(cid).toBe(expected);
    expect(server.cids()).toEqual([expected]);
  });
});
