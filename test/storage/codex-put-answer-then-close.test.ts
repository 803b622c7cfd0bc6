/**
 * A node closes every connection after its answer: nim-codex starts its REST server without
 * chronos' Http11Pipeline flag, so each answer says `Connection: close` and the connection ends
 * with it. It answers an upload once it has read Content-Length bytes, which may be while the
 * caller's body still has its last next() pending (a file stream that needs one more read to see its
 * end). The backend then ended the request on a connection the node had already closed, took the
 * failed end for an unfinished upload, and failed the put with E_BACKEND_HTTP ("answered before the
 * upload was complete"), although the node had stored every byte and answered its CID; the storage
 * client retried it, uploading the piece again. A put whose every declared byte the socket took,
 * answered 2xx, now returns the CID, however the connection ends after.
 *
 * Real HTTP on 127.0.0.1: a server that answers as a node does (text/plain CID, Connection: close).
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { base58btc } from "multiformats/bases/base58";
import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { pattern, storageError } from "./codex-fixtures.js";
import { listenOnLoopback } from "../support/loopback-server.js";

/** A manifest CID (codec codex-manifest) for `bytes`: what the node answers an upload with. */
function manifestCid(bytes: Uint8Array): string {
  return CID.createV1(0xcd01, createDigest(0x12, createHash("sha256").update(bytes).digest())).toString(base58btc);
}

interface NodeLike {
  readonly url: string;
  /** Bytes of each upload the server read before it answered. */
  readonly received: number[];
}

/**
 * Answers a POST once `answerAfter(declared)` bytes arrived (default: all of Content-Length), with
 * the CID of what it read, `Connection: close`, and closes the connection, as a node does.
 */
async function startNodeLike(answerAfter: (declared: number) => number = (declared) => declared): Promise<NodeLike> {
  const received: number[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    const want = answerAfter(declared);
    const parts: Buffer[] = [];
    let got = 0;
    let answered = false;
    const answer = (): void => {
      if (answered) return;
      answered = true;
      req.pause();
      received.push(got);
      const cid = manifestCid(Buffer.concat(parts));
      res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(cid), connection: "close" });
      res.end(cid);
    };
    req.on("data", (chunk: Buffer) => {
      if (answered) return;
      parts.push(chunk);
      got += chunk.byteLength;
      if (got >= want) answer();
    });
    req.on("end", answer);
  });
  return { url: await listenOnLoopback(server), received };
}

function backendFor(url: string): ReturnType<typeof createCodexBackend> {
  const backend = createCodexBackend({ url, requestTimeoutMs: 5_000 });
  onTestFinished(() => backend.close());
  return backend;
}

/** Yields `bytes`, then takes `ms` to see its end (the last next() is pending meanwhile). */
async function* slowToEnd(bytes: Uint8Array, ms: number): AsyncGenerator<Uint8Array> {
  yield bytes;
  await new Promise((resolve) => setTimeout(resolve, ms));
}

describe("Codex backend: a node that closes the connection with its answer to an upload", () => {
  test("answered (and closed) while the body's last next() is still pending: put returns the CID of every byte", async () => {
    const node = await startNodeLike();
    const backend = backendFor(node.url);
    const bytes = pattern(200_000);
    expect(await backend.put(slowToEnd(bytes, 300), { size: bytes.byteLength })).toBe(manifestCid(bytes));
    expect(node.received).toEqual([bytes.byteLength]);
  });

  test("the same with a body of many chunks, several times on one backend (a connection per call)", async () => {
    const node = await startNodeLike();
    const backend = backendFor(node.url);
    for (let round = 0; round < 3; round++) {
      const bytes = pattern(300_000, round + 2);
      async function* chunks(): AsyncGenerator<Uint8Array> {
        for (let at = 0; at < bytes.byteLength; at += 50_000) yield bytes.subarray(at, at + 50_000);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(await backend.put(chunks(), { size: bytes.byteLength })).toBe(manifestCid(bytes));
    }
    expect(node.received).toEqual([300_000, 300_000, 300_000]);
  });

  test("a buffer, and an iterable that ends at once, are stored as before", async () => {
    const node = await startNodeLike();
    const backend = backendFor(node.url);
    const bytes = pattern(150_000, 9);
    expect(await backend.put(bytes)).toBe(manifestCid(bytes));
    async function* once(): AsyncGenerator<Uint8Array> {
      yield bytes;
    }
    expect(await backend.put(once(), { size: bytes.byteLength })).toBe(manifestCid(bytes));
  });

  test("a 200 before every declared byte was sent is still refused: no CID for part of the body", async () => {
    // The node answers after 64 KiB of a 4 MiB body and closes: the rest never left the caller.
    const node = await startNodeLike(() => 64 * 1024);
    const backend = backendFor(node.url);
    const bytes = pattern(4 * 1024 * 1024, 11);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < bytes.byteLength; at += 64 * 1024) {
        yield bytes.subarray(at, at + 64 * 1024);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    await storageError(backend.put(chunks(), { size: bytes.byteLength }), "E_BACKEND_HTTP", "E_BACKEND_UNREACHABLE", "E_TRUNCATED");
  });
});
