/**
 * A put of an iterable body reads it as the socket takes it. When the put failed (the caller's
 * abort, close()) while the body's next() was still waiting (a source that stalled mid-body: a pipe
 * from a stopped recorder, a reader over a socket), the body was never given up: its return() was
 * called only once that next() gave something, never for a source stalled for good, so the reader's
 * file descriptor or socket stayed open after the put had failed. It is given up as the put fails
 * (return() called at once; a generator takes it as soon as its pending step ends).
 */
import { describe, expect, test } from "vitest";
import type { CodexBackend } from "../../src/storage/backends/codex/index.js";
import { codexSetup, eventually, storageError } from "./codex-fixtures.js";

/** A body that gives `first`, then stalls until given up; return() ends the pending read, as a reader closing its descriptor does. */
function stallingBody(first: Uint8Array): { body: AsyncIterable<Uint8Array>; returned: () => boolean; firstTaken: Promise<void> } {
  let returned = false;
  let calls = 0;
  let endRead: ((result: IteratorResult<Uint8Array>) => void) | undefined;
  let taken!: () => void;
  const firstTaken = new Promise<void>((resolve) => (taken = resolve));
  const body: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        calls += 1;
        if (calls === 1) return Promise.resolve({ done: false, value: first });
        taken();
        return new Promise<IteratorResult<Uint8Array>>((resolve) => (endRead = resolve));
      },
      return: async () => {
        returned = true;
        endRead?.({ done: true, value: undefined });
        return { done: true, value: undefined };
      },
    }),
  };
  return { body, returned: () => returned, firstTaken };
}

async function putStalled(backend: CodexBackend, signal?: AbortSignal) {
  const source = stallingBody(Buffer.alloc(1000, 7));
  const put = backend.put(source.body, { size: 5000, ...(signal === undefined ? {} : { signal }) });
  put.catch(() => undefined);
  await source.firstTaken;
  return { put, source };
}

describe("Codex backend: a put whose body stalls mid-body", () => {
  test("the caller's abort fails the put and gives the body up", async () => {
    const { server, backend } = await codexSetup();
    const controller = new AbortController();
    const { put, source } = await putStalled(backend, controller.signal);
    controller.abort();
    await storageError(put, "E_ABORTED");
    expect(await eventually(source.returned, 2000), "the body's return() called").toBe(true);
    expect(server.stats.uploads).toBe(0);
  });

  test("close() fails the put and gives the body up", async () => {
    const { backend } = await codexSetup();
    const { put, source } = await putStalled(backend);
    await backend.close();
    await storageError(put, "E_CLIENT_CLOSED");
    expect(await eventually(source.returned, 2000), "the body's return() called").toBe(true);
  });

  test("a generator body stalled at the failure runs its finally once its step ends, and is read no further", async () => {
    const { backend } = await codexSetup();
    let finished = false;
    let resumed!: () => void;
    const stall = new Promise<void>((resolve) => (resumed = resolve));
    let reads = 0;
    async function* body(): AsyncGenerator<Uint8Array> {
      try {
        yield Buffer.alloc(1000, 1);
        await stall;
        for (;;) {
          reads += 1;
          yield Buffer.alloc(1000, 2);
        }
      } finally {
        finished = true;
      }
    }
    const controller = new AbortController();
    const put = backend.put(body(), { size: 5000, signal: controller.signal });
    put.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await storageError(put, "E_ABORTED");
    resumed();
    expect(await eventually(() => finished, 2000), "the generator's finally ran").toBe(true);
    expect(reads).toBeLessThanOrEqual(1);
  });
});
