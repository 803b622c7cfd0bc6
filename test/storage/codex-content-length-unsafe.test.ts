/**
 * Node's HTTP parser accepts any Content-Length below 2^64 (junk, a sign, a second differing value
 * or 2^64 and above it refuses itself: HPE_INVALID_CONTENT_LENGTH, E_BACKEND_HTTP). The backend
 * read a length past 2^53 - 1, which no number holds exactly and no file of ours has, as no length
 * at all: the manifest's size stood in for it and the body was read while the parser still waited
 * for the announced end. Such an answer is now refused before its body is read (E_BACKEND_HTTP,
 * retried as any malformed answer), and its connection is not reused.
 *
 * Real HTTP on 127.0.0.1: a hand-made node whose download route announces the length under test,
 * sends the content's 12 bytes and holds the connection; its manifest route gives the true size.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { listenOnLoopback } from "../support/loopback-server.js";
import { collect, storageError } from "./codex-fixtures.js";

const CID = "zDvZRwzm2mK6Wv9zPh4D7Ytvzs3Uz5NB1oeaW8VQ6fBq5mHfVwvG";
const CONTENT = Buffer.from("hello world!");

async function node(length: string): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    if ((req.url ?? "").endsWith("/network/manifest")) {
      const item = { cid: CID, manifest: { treeCid: "zDzSvJTezk7bJNQqFq1T2rWa8ncTrVCSbgdYwNXTCqLaVjxfnRtj", datasetSize: CONTENT.byteLength, blockSize: 65536, protected: false, filename: null, mimetype: null } };
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify(item));
    }
    // Written by hand: Node's server would not send a length it cannot hold itself.
    const socket = res.socket as Socket;
    socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n`);
    socket.write(CONTENT);
  });
  server.on("connection", () => (connections += 1));
  return { url: await listenOnLoopback(server), connections: () => connections };
}

describe("Codex backend: a download whose Content-Length no file of ours can have", () => {
  test.each(["9007199254740992", "9007199254740993", "18446744073709551615", "000000000009007199254740993"])(
    "Content-Length %s: E_BACKEND_HTTP before the body is read, the connection not reused",
    async (length) => {
      const { url, connections } = await node(length);
      const backend = createCodexBackend({ url, requestTimeoutMs: 10_000, idleTimeoutMs: 10_000 });
      onTestFinished(() => backend.close());
      const error = await storageError(async () => collect((await backend.get(CID)).body), "E_BACKEND_HTTP");
      expect(error.message).toContain("Content-Length");
      expect(error.message).toContain(length.slice(0, 40));
      expect(error.details).toMatchObject({ status: 200 });
      // The next call opens a connection of its own: the refused answer's was not pooled mid-body.
      const before = connections();
      await storageError(async () => collect((await backend.get(CID)).body), "E_BACKEND_HTTP");
      expect(connections()).toBe(before + 1);
    },
  );

  test.each(["12", "000000000000000000000012"])("a length it can hold still works (the control): %s announced, 12 bytes read", async (length) => {
    const { url } = await node(length);
    const backend = createCodexBackend({ url });
    onTestFinished(() => backend.close());
    const got = await backend.get(CID);
    expect(got.size).toBe(CONTENT.byteLength);
    expect(await collect(got.body)).toEqual(CONTENT);
  });
});
