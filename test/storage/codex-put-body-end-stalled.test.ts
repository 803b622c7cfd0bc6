/**
 * A node reads an upload up to its Content-Length and answers; the put waits for the caller's body
 * to end (a body longer than its size is refused, not stored cut), and holds the body's last
 * declared byte back until then (so the node cannot store a body that turns out longer). A body
 * that gave all its bytes but whose end never came (a pipe whose writer never closes it, a
 * generator awaiting its own clean-up) left the put pending for good: neither the caller's abort
 * nor close() ended that wait (docs/codex-backend.md: close() fails every call in flight), so an
 * app awaiting its puts on shutdown never got past it. Both now end it with their error, and the
 * node, one byte short, has stored nothing.
 */
import { describe, expect, test } from "vitest";
import { codexSetup, eventually, storageError } from "./codex-fixtures.js";

const SIZE = 1000;

function bodyWhoseEndStalls(): { body: AsyncGenerator<Uint8Array>; gaveAll: () => boolean } {
  let gaveAll = false;
  async function* body(): AsyncGenerator<Uint8Array> {
    yield Buffer.alloc(SIZE, 3);
    gaveAll = true;
    await new Promise(() => undefined);
  }
  return { body: body(), gaveAll: () => gaveAll };
}

function settledWithin<T>(promise: Promise<T>, ms: number): Promise<unknown> {
  return Promise.race([promise.then((value) => ({ value }), (error: unknown) => ({ error })), new Promise((resolve) => setTimeout(() => resolve("still pending"), ms))]);
}

describe("Codex backend: a put answered by the node while its body's end never comes", () => {
  test("the caller's abort ends the put with E_ABORTED", async () => {
    const { server, backend } = await codexSetup();
    const source = bodyWhoseEndStalls();
    const controller = new AbortController();
    let sent = 0;
    const put = backend.put(source.body, { size: SIZE, signal: controller.signal, progress: (bytes) => (sent = bytes ?? 0) });
    put.catch(() => undefined);
    expect(await eventually(() => source.gaveAll() && sent === SIZE - 1, 5000), "the socket took every declared byte but the last").toBe(true);
    controller.abort();
    expect(await settledWithin(put, 2000)).not.toBe("still pending");
    await storageError(put, "E_ABORTED");
    expect(server.stats.uploads).toBe(0);
  });

  test("close() ends the put with E_CLIENT_CLOSED", async () => {
    const { server, backend } = await codexSetup();
    const source = bodyWhoseEndStalls();
    let sent = 0;
    const put = backend.put(source.body, { size: SIZE, progress: (bytes) => (sent = bytes ?? 0) });
    put.catch(() => undefined);
    expect(await eventually(() => source.gaveAll() && sent === SIZE - 1, 5000)).toBe(true);
    await backend.close();
    expect(await settledWithin(put, 2000)).not.toBe("still pending");
    await storageError(put, "E_CLIENT_CLOSED");
    expect(server.stats.uploads).toBe(0);
  });
});
