/**
 * A node closes a kept-alive connection once it has idled a while (its keep-alive timeout); a request
 * sent on it at that moment meets a reset before anything was answered, though the node is fine.
 * A call without a body was repeated once on a fresh connection, but an upload was not: its reset
 * counted as a failure of a healthy endpoint, so a light client's next piece went elsewhere and the
 * home node was left for failureMemoryMs (a minute), its blocks drifting off the client's spread.
 * A put of a buffer (all the client sends) is now repeated once on a fresh connection; an iterable
 * body, which cannot be read twice, still reports the reset.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { codexSetup, storageError } from "./codex-fixtures.js";
import { idleTcpFront } from "./support/idle-tcp-front.js";
import { FAST_RETRY, KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

/**
 * A node closes every connection after its answer (Connection: close); a server or proxy in front
 * of it that keeps connections alive is what these tests are about, so the test server keeps them.
 */
const KEPT_ALIVE = { keepAlive: true } as const;


const IDLE_MS = 100;

function backendOn(url: string): CodexBackend {
  const backend = createCodexBackend({ url, requestTimeoutMs: 2_000 });
  onTestFinished(() => backend.close());
  return backend;
}

describe("an upload on a kept-alive socket the node closed as it was reused", () => {
  test("light mode: the home node's idle close does not send the next share's piece to another endpoint", async () => {
    const home = await codexSetup({}, KEPT_ALIVE);
    const other = await codexSetup();
    const front = await idleTcpFront(new URL(home.server.url), IDLE_MS, "reset");
    const endpoints = [backendOn(front.url), backendOn(other.server.url)];
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints, backend: undefined, retry: FAST_RETRY, piecesInFlight: 1 });

    await client.share({ path: writeRandomFile(dir, "a.jpg", 20 * KiB).path }).done;
    await sleep(3 * IDLE_MS);
    await client.share({ path: writeRandomFile(dir, "b.jpg", 20 * KiB).path }).done;

    expect(front.tripped(), "the front closed the idle connection as the second upload came").toBe(1);
    expect(other.server.stats.uploads, "pieces sent to the other endpoint").toBe(0);
    expect(home.server.stats.uploads).toBe(2);
  });

  test("put of a buffer: repeated once on a fresh connection, the node stores it once", async () => {
    const { server } = await codexSetup({}, KEPT_ALIVE);
    const front = await idleTcpFront(new URL(server.url), IDLE_MS, "reset");
    const backend = backendOn(front.url);
    const first = await backend.put(Buffer.alloc(1000, 1));
    await sleep(3 * IDLE_MS);
    const second = await backend.put(Buffer.alloc(1000, 2));
    expect(front.tripped()).toBe(1);
    expect(second).not.toBe(first);
    expect(await backend.has(second)).toBe(true);
    expect(server.stats.uploads).toBe(2);
  });

  test("put of an iterable body: not repeated (it cannot be read twice), the reset is reported", async () => {
    const { server } = await codexSetup({}, KEPT_ALIVE);
    const front = await idleTcpFront(new URL(server.url), IDLE_MS, "reset");
    const backend = backendOn(front.url);
    await backend.put(Buffer.alloc(1000, 1));
    await sleep(3 * IDLE_MS);
    async function* body(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(1000, 2);
    }
    await storageError(backend.put(body(), { size: 1000 }), "E_BACKEND_UNREACHABLE");
    expect(front.tripped()).toBe(1);
    expect(server.stats.uploads).toBe(1);
  });
});
