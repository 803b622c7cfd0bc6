/**
 * Some HTTP servers (and proxies in front of a node), on closing a kept-alive connection they
 * consider idle, first write an unsolicited `HTTP/1.1 408 Request Timeout`. A request sent on that
 * connection as the server's idle timer fires (the app's thread was busy, or the phone's app was
 * suspended, and it sends before it reads what the socket got meanwhile) reads the 408 as its own
 * answer. The pool drops sockets idle past KEEP_ALIVE_IDLE_MS (4 s); a server whose idle time is
 * shorter (2 s, say) left this open: the call failed E_BACKEND_HTTP (HTTP 408) and counted against a
 * healthy endpoint. Such a 408 on a reused connection is now repeated once on a fresh one; a 408 on
 * a fresh connection is reported as before.
 */
import { createConnection, createServer, type Socket } from "node:net";
import { describe, expect, onTestFinished, test } from "vitest";
import type { PutOptions } from "../../src/storage/backend.js";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { codexSetup, collect, proxySetup, storageError } from "./codex-fixtures.js";
import { ForwardingBackend } from "./support/forwarding-backend.js";
import { FAST_RETRY, KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

/**
 * A node closes every connection after its answer (Connection: close); a server or proxy in front
 * of it that keeps connections alive is what these tests are about, so the test server keeps them.
 */
const KEPT_ALIVE = { keepAlive: true } as const;

/** The server's keep-alive idle time: well below the pool's 4 s, as some servers' are. */
const SERVER_IDLE_MS = 300;

const REQUEST_TIMEOUT = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: 15\r\n\r\nRequest Timeout";

interface IdleCloseFront {
  readonly url: string;
  /** Connections closed with an unsolicited 408. */
  closedWith408(): number;
  connections(): number;
}

/**
 * A TCP front on 127.0.0.1 for a Codex test server that, once a connection has idled
 * SERVER_IDLE_MS after an answer, writes an unsolicited 408 on it and closes it, as such servers do.
 */
async function idleCloseFront(target: string): Promise<IdleCloseFront> {
  let closed = 0;
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    connections += 1;
    const upstream = createConnection({ host: "127.0.0.1", port: Number(new URL(target).port) });
    sockets.add(client).add(upstream);
    let idle: NodeJS.Timeout | undefined;
    const end = (): void => {
      clearTimeout(idle);
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (data) => {
      clearTimeout(idle);
      upstream.write(data);
    });
    upstream.on("data", (data) => {
      client.write(data);
      clearTimeout(idle);
      idle = setTimeout(() => {
        closed += 1;
        upstream.destroy();
        client.end(REQUEST_TIMEOUT);
      }, SERVER_IDLE_MS);
    });
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, closedWith408: () => closed, connections: () => connections };
}

/**
 * Keeps this thread busy past the server's idle time (a phone's app suspended, a main thread busy
 * decoding an image): the server's idle timer is due when the thread runs again, and the request
 * made next goes out on the pooled socket before the 408 on it is read.
 */
function busyPastServerIdle(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2 * SERVER_IDLE_MS);
}

function backendOn(url: string): CodexBackend {
  const backend = createCodexBackend({ url, requestTimeoutMs: 3_000 });
  onTestFinished(() => backend.close());
  return backend;
}

describe("an unsolicited 408 on a kept-alive connection the server closed as idle", () => {
  test("put of a buffer: repeated once on a fresh connection, stored once", async () => {
    const { server } = await codexSetup({}, KEPT_ALIVE);
    const front = await idleCloseFront(server.url);
    const backend = backendOn(front.url);
    await backend.put(Buffer.alloc(1000, 1));
    busyPastServerIdle();
    const cid = await backend.put(Buffer.alloc(1000, 2));
    expect(front.closedWith408(), "the server closed the first connection with a 408").toBe(1);
    expect(front.connections()).toBe(2);
    expect(await backend.has(cid)).toBe(true);
    expect(server.stats.uploads).toBe(2);
  });

  test("get: repeated once on a fresh connection, the content arrives whole", async () => {
    const { server, backend: direct } = await codexSetup({}, KEPT_ALIVE);
    const bytes = Buffer.alloc(200 * KiB, 7);
    const cid = await direct.put(bytes);
    const front = await idleCloseFront(server.url);
    const backend = backendOn(front.url);
    expect(await backend.has(cid)).toBe(true);
    busyPastServerIdle();
    const { size, body } = await backend.get(cid);
    expect(size).toBe(bytes.byteLength);
    expect((await collect(body)).equals(bytes)).toBe(true);
    expect(front.closedWith408()).toBe(1);
  });

  test("put of an iterable body: not repeated (it cannot be read twice), the 408 is reported as before", async () => {
    const { server } = await codexSetup({}, KEPT_ALIVE);
    const front = await idleCloseFront(server.url);
    const backend = backendOn(front.url);
    await backend.put(Buffer.alloc(1000, 1));
    async function* body(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(1000, 2);
    }
    const iterable = body();
    busyPastServerIdle();
    const error = await storageError(backend.put(iterable, { size: 1000 }), "E_BACKEND_HTTP");
    expect(error.details?.["status"]).toBe(408);
    expect(server.stats.uploads).toBe(1);
  });

  test("a 408 on a fresh connection is reported as before (transient, E_BACKEND_HTTP), not repeated", async () => {
    const { proxy, server, backend } = await proxySetup();
    proxy.script({ kind: "status", status: 408, body: "Request Timeout" });
    const error = await storageError(backend.put(Buffer.alloc(1000, 3)), "E_BACKEND_HTTP");
    expect(error.details?.["status"]).toBe(408);
    expect(proxy.stats.requests).toBe(1);
    expect(server.stats.uploads).toBe(0);
  });

  test("light mode: the home node's idle 408 does not send the next share's piece to another endpoint", async () => {
    const home = await codexSetup({}, KEPT_ALIVE);
    const other = await codexSetup();
    const front = await idleCloseFront(home.server.url);
    let busyBeforeNextPut = false;
    // The thread is busy just as the piece is handed to the home endpoint (as the timing of the race has it).
    const homeEndpoint = new (class extends ForwardingBackend {
      override put(body: Uint8Array | AsyncIterable<Uint8Array>, options?: PutOptions): Promise<string> {
        if (busyBeforeNextPut) {
          busyBeforeNextPut = false;
          busyPastServerIdle();
        }
        return super.put(body, options);
      }
    })(backendOn(front.url));
    const endpoints = [homeEndpoint, backendOn(other.server.url)];
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints, backend: undefined, retry: FAST_RETRY, piecesInFlight: 1 });

    await client.share({ path: writeRandomFile(dir, "a.jpg", 20 * KiB).path }).done;
    busyBeforeNextPut = true;
    await client.share({ path: writeRandomFile(dir, "b.jpg", 20 * KiB).path }).done;

    expect(front.closedWith408(), "the server closed the idle connection with a 408 as the second upload came").toBe(1);
    expect(other.server.stats.uploads, "pieces sent to the other endpoint").toBe(0);
    expect(home.server.stats.uploads).toBe(2);
  });
});
