/**
 * A node with no room for an upload answers at the first block that does not fit (nim-codex
 * node.nim `store` fails on that block's putBlock; the route answers 500 "Unable to store block
 * <cid>" and the connection closes with the rest of the body unread). The test server read the
 * whole body first, so no test saw the backend meet that early answer: a put whose body was still
 * going out, or whose source was still being read, when the node answered and hung up. The server
 * now answers there, and the backend is shown to turn the early answer into E_QUOTA_EXCEEDED (the
 * node's words) without waiting for the rest of the body, and to give the body's source up (a
 * stalled source's return() is called), no connection left open.
 */
import { request } from "node:http";
import { describe, expect, onTestFinished, test } from "vitest";
import { CODEX_PREFIX, startCodexTestServer } from "../support/codex-server/index.js";
import { codexSetup, eventually, pattern, storageError } from "./codex-fixtures.js";

const QUOTA = 100_000;
const BODY = 8 * 1024 * 1024;

/** Gives `blocks` 64 KiB chunks, then stalls until given up (return() ends the pending read, as a reader closing its descriptor does). */
function stallingSource(blocks: number): { body: AsyncIterable<Uint8Array>; returned: () => boolean } {
  let returned = false;
  let given = 0;
  let endRead: ((result: IteratorResult<Uint8Array>) => void) | undefined;
  const bytes = pattern(blocks * 65_536, 9);
  const body: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        if (given < blocks) {
          given += 1;
          return Promise.resolve({ done: false, value: bytes.subarray((given - 1) * 65_536, given * 65_536) });
        }
        return new Promise<IteratorResult<Uint8Array>>((resolve) => (endRead = resolve));
      },
      return: async () => {
        returned = true;
        endRead?.({ done: true, value: undefined });
        return { done: true, value: undefined };
      },
    }),
  };
  return { body, returned: () => returned };
}

describe("Codex test server: an upload that does not fit is answered at its first block past the quota", () => {
  test("a body that stops coming after that block still gets the node's 500 (the server does not wait for the rest), and the connection closes", async () => {
    const server = await startCodexTestServer({ quotaMaxBytes: QUOTA });
    onTestFinished(() => server.close());
    const answer = await new Promise<{ status: number; text: string; connection: string | undefined; closed: Promise<void> }>((resolve, reject) => {
      const req = request(`${server.url}${CODEX_PREFIX}/data`, { method: "POST", headers: { "content-length": String(BODY) } }, (res) => {
        const parts: Buffer[] = [];
        res.on("data", (chunk: Buffer) => parts.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(parts).toString("utf8"),
            connection: res.headers.connection,
            closed: new Promise<void>((done) => (req.socket?.destroyed === true ? done() : req.socket?.once("close", () => done()))),
          }),
        );
      });
      req.on("error", reject);
      onTestFinished(() => void req.destroy());
      // Three blocks of an 8 MiB upload, then nothing: the second block is the first past 100 000 bytes.
      req.write(pattern(3 * 65_536, 9));
    });
    expect(answer.status).toBe(500);
    expect(answer.text).toMatch(/^Unable to store block z[1-9A-HJ-NP-Za-km-z]+$/);
    expect(answer.connection).toBe("close");
    await answer.closed;
    expect(server.stats.refusedUploads).toBe(1);
    expect(server.cids()).toEqual([]);
  });

  test("with keepAlive (a gateway's connections), the refused upload's connection still closes: the unread rest is no next request", async () => {
    const server = await startCodexTestServer({ quotaMaxBytes: QUOTA, keepAlive: true });
    onTestFinished(() => server.close());
    const res = await fetch(`${server.url}${CODEX_PREFIX}/data`, { method: "POST", body: pattern(200_000, 9) });
    expect(res.status).toBe(500);
    expect(res.headers.get("connection")).toBe("close");
    await res.text();
    expect(await eventually(() => server.openConnections() === 0)).toBe(true);
  });
});

describe("Codex backend: a put answered early by a full node", () => {
  test("a buffer body: E_QUOTA_EXCEEDED with the node's words, no connection left open", async () => {
    const { server, backend } = await codexSetup({}, { quotaMaxBytes: QUOTA });
    const error = await storageError(backend.put(pattern(BODY, 3)), "E_QUOTA_EXCEEDED");
    expect(error.message).toMatch(/storage is full/);
    expect(error.details).toMatchObject({ status: 500 });
    expect(String(error.details?.["body"])).toMatch(/^Unable to store block /);
    expect(server.stats.refusedUploads).toBe(1);
    expect(await eventually(() => server.openConnections() === 0)).toBe(true);
    // The backend still works on the same node.
    expect(await backend.put(pattern(1000, 4))).toMatch(/^z/);
  });

  test("a source that stalls after the block past the quota: E_QUOTA_EXCEEDED from the node's early answer, the source given up", async () => {
    // Deadlines far above the test's own: the answer must come from the node, not from a timeout.
    const { server, backend } = await codexSetup({ requestTimeoutMs: 60_000, idleTimeoutMs: 60_000 }, { quotaMaxBytes: QUOTA });
    const source = stallingSource(3);
    const error = await storageError(backend.put(source.body, { size: BODY }), "E_QUOTA_EXCEEDED");
    expect(error.message).toMatch(/storage is full/);
    expect(source.returned()).toBe(true);
    expect(server.stats.refusedUploads).toBe(1);
    expect(await eventually(() => server.openConnections() === 0)).toBe(true);
  });
});
