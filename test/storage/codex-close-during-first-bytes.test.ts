/**
 * docs/codex-backend.md: "close() fails every call in flight with E_CLIENT_CLOSED". A put whose
 * body is an iterable first waits for its first bytes (an empty body needs no node); a close()
 * meanwhile left that put pending for as long as the body gave nothing, forever for a source that
 * stalled (a pipe from a stopped recorder), so an app awaiting its puts on shutdown never got past
 * them. It now fails with E_CLIENT_CLOSED at once, and the body is given up (its return() called).
 */
import { describe, expect, test } from "vitest";
import { codexSetup, storageError } from "./codex-fixtures.js";

describe("Codex backend: close() while a put waits for its body's first bytes", () => {
  test("the put fails with E_CLIENT_CLOSED at once and the body is given up", async () => {
    const { backend } = await codexSetup();
    let returned = false;
    const stalled: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<Uint8Array>>(() => undefined),
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const put = backend.put(stalled, { size: 10 });
    put.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await backend.close();
    const outcome = await Promise.race([put.then(() => "resolved", (e: unknown) => e), new Promise((resolve) => setTimeout(() => resolve("still pending"), 2000))]);
    expect(outcome).not.toBe("still pending");
    await storageError(put, "E_CLIENT_CLOSED");
    expect(returned).toBe(true);
  });
});
