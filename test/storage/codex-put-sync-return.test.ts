/**
 * A put gives its body up (return()) when the caller aborts or close() comes while it waits for the
 * body's first bytes. It called `iterator.return?.()?.catch(…)`, so a hand-written iterable whose
 * return() answers synchronously (a plain `{ done: true }`, as a JavaScript caller may write it) or
 * throws made that abort listener throw before it rejected the put: an uncaught exception (the app's
 * process brought down by an abort, without a handler) and a put pending for good. It is now given up
 * the way the upload itself does (any answer or throw is absorbed), and the put fails with the
 * abort's typed error.
 */
import { describe, expect, test } from "vitest";
import { codexSetup, storageError } from "./codex-fixtures.js";

/** A body whose first next() never settles and whose return() is synchronous (or throws). */
function stalledBody(returnKind: "plain" | "throws"): { body: AsyncIterable<Uint8Array>; returned: () => boolean } {
  let returned = false;
  const iterator = {
    next: () => new Promise<IteratorResult<Uint8Array>>(() => undefined),
    return: () => {
      returned = true;
      if (returnKind === "throws") throw new Error("the source's own return() failed");
      return { done: true, value: undefined };
    },
  };
  return { body: { [Symbol.asyncIterator]: () => iterator as unknown as AsyncIterator<Uint8Array> }, returned: () => returned };
}

describe("a put given up while it waits for the body's first bytes", () => {
  test.each(["plain", "throws"] as const)("a return() that answers %s: the abort ends the put with E_ABORTED, nothing thrown past it", async (kind) => {
    const { backend } = await codexSetup();
    const { body, returned } = stalledBody(kind);
    const caller = new AbortController();
    const put = backend.put(body, { signal: caller.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    caller.abort();
    await storageError(put, "E_ABORTED");
    expect(returned()).toBe(true);
  });

  test.each(["plain", "throws"] as const)("a return() that answers %s: close() ends the put with E_CLIENT_CLOSED, nothing thrown past it", async (kind) => {
    const { backendWith } = await codexSetup();
    const backend = backendWith({});
    const { body, returned } = stalledBody(kind);
    const put = backend.put(body);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await backend.close();
    await storageError(put, "E_CLIENT_CLOSED");
    expect(returned()).toBe(true);
  });
});
