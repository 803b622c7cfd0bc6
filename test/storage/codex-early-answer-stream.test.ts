/**
 * A node answers an upload it cannot take before it has read the body (a full node at the first
 * block that does not fit, a 422 on the headers, a proxy's 413, a disk error's 500) and closes the
 * connection with the rest unread. A put of a buffer got the node's answer; a put of a stream (a
 * file being shared) got E_BACKEND_UNREACHABLE (EPIPE or ECONNRESET): the next chunk came from the
 * file system, was written after the node's reset and before Node read the answer off the socket,
 * and Node's client dropped the socket with the answer unread (nodejs/node#12339, #54366). "The
 * node is full" read as "the node is down". A streamed body now ends in the same typed error as a
 * buffer, its source is given up (a file stream closed), and no connection is left open.
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import type { StorageError } from "../../src/storage/storage-error.js";
import type { ServerFault } from "../support/codex-server/faults.js";
import { codexSetup, eventually, pattern, storageError } from "./codex-fixtures.js";

const QUOTA = 100_000;
/** Far more than the socket buffers of both ends take: the writes are still going when the node answers. */
const LARGE = 8 * 1024 * 1024;
/** Fits in the socket buffers: every byte is written before the node's answer comes. */
const SMALL = 200_000;
const NGINX_413 = "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

let dir: string;
const files = new Map<number, string>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "scc-early-answer-"));
  for (const size of [SMALL, LARGE]) {
    const path = join(dir, `body-${size}`);
    writeFileSync(path, pattern(size, 5));
    files.set(size, path);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

type BodyKind = "buffer" | "file stream" | "readable of chunks" | "generator" | "generator without size";

interface Body {
  readonly body: Uint8Array | AsyncIterable<Uint8Array>;
  readonly size?: number;
  /** The file stream, to see it closed afterwards. */
  readonly stream?: ReturnType<typeof createReadStream>;
}

function bodyOf(kind: BodyKind, size: number): Body {
  const bytes = pattern(size, 5);
  switch (kind) {
    case "buffer":
      return { body: bytes };
    case "file stream": {
      const stream = createReadStream(files.get(size) ?? "");
      return { body: stream, size, stream };
    }
    case "readable of chunks": {
      const chunks: Buffer[] = [];
      for (let at = 0; at < size; at += 65_536) chunks.push(bytes.subarray(at, at + 65_536));
      return { body: Readable.from(chunks), size };
    }
    case "generator":
    case "generator without size": {
      const body = (async function* () {
        for (let at = 0; at < size; at += 65_536) yield bytes.subarray(at, at + 65_536);
      })();
      // Without a size the body goes out chunked.
      return kind === "generator" ? { body, size } : { body };
    }
  }
}

const STREAMED: readonly BodyKind[] = ["file stream", "readable of chunks", "generator", "generator without size"];

/** What a caller sees of the error (each put has a server of its own: its address left out): a streamed put and a buffer put must agree. */
function seen({ error, location }: { error: StorageError; location: string }, kind: BodyKind = "buffer"): unknown {
  // A put that does not know its size cannot be told its size (a 413's message names it otherwise).
  const message = kind === "generator without size" ? expect.any(String) : error.message.replaceAll(location, "<node>");
  return { code: error.code, message, details: error.details };
}

interface Answer {
  readonly name: string;
  readonly code: StorageError["code"];
  /** A scripted answer; none: the server's own quota refusal. */
  readonly fault?: ServerFault;
}

const ANSWERS: readonly Answer[] = [
  { name: "a full node's 500 'Unable to store block' at its first block past the quota", code: "E_QUOTA_EXCEEDED" },
  { name: "a 500 after 128 KiB (the node's disk failed)", code: "E_BACKEND_HTTP", fault: { kind: "status", status: 500, body: "Input/output error", afterBytes: 131_072 } },
  { name: "a 507 after 128 KiB", code: "E_QUOTA_EXCEEDED", fault: { kind: "status", status: 507, body: "Insufficient Storage", afterBytes: 131_072 } },
  { name: "a 422 on the headers (bad MIME type)", code: "E_BACKEND_REJECTED", fault: { kind: "status", status: 422, body: "The MIME type 'x' is not valid.", early: true } },
  { name: "a 400 on the headers", code: "E_BACKEND_REJECTED", fault: { kind: "status", status: 400, body: "Bad Request", early: true } },
  { name: "a proxy's 413 HTML page on the headers", code: "E_BACKEND_REJECTED", fault: { kind: "status", status: 413, body: NGINX_413, early: true } },
  { name: "a gateway's 503 with Retry-After after 128 KiB", code: "E_BACKEND_HTTP", fault: { kind: "status", status: 503, body: "busy", afterBytes: 131_072, headers: { "retry-after": "7" } } },
];

/** One put against a fresh server that answers `answer`; the error and whether the server let go of every connection. */
async function putAnswered(answer: Answer, kind: BodyKind, size: number): Promise<{ error: StorageError; location: string; body: Body }> {
  // Deadlines far above the test's own: the answer must come from the node, not from a timeout.
  const { server, backend } = await codexSetup({ requestTimeoutMs: 60_000, idleTimeoutMs: 60_000 }, answer.fault === undefined ? { quotaMaxBytes: QUOTA } : {});
  if (answer.fault !== undefined) server.inject("upload", answer.fault);
  const body = bodyOf(kind, size);
  const error = await storageError(backend.put(body.body, body.size === undefined ? {} : { size: body.size }), answer.code);
  expect(await eventually(() => server.openConnections() === 0), "the server still holds a connection of the put").toBe(true);
  return { error, location: server.url, body };
}

describe("a put answered before its body was read: a streamed body ends as a buffer does", () => {
  for (const answer of ANSWERS) {
    for (const size of [LARGE, SMALL]) {
      test(`${answer.name}, ${size} bytes`, async () => {
        const reference = await putAnswered(answer, "buffer", size);
        for (const kind of STREAMED) {
          const streamed = await putAnswered(answer, kind, size);
          expect(seen(streamed), kind).toEqual(seen(reference, kind));
        }
      });
    }
  }
});

describe("a file stream put to a full node", () => {
  test("E_QUOTA_EXCEEDED every time, the file closed, no socket left behind", async () => {
    const sockets = (): number => process.getActiveResourcesInfo().filter((name) => name === "TCPSocketWrap").length;
    const before = sockets();
    for (let round = 0; round < 5; round++) {
      const { error, body } = await putAnswered(ANSWERS[0]!, "file stream", LARGE);
      expect(error.message).toMatch(/storage is full/);
      expect(String(error.details?.["body"])).toMatch(/^Unable to store block z/);
      const stream = body.stream!;
      expect(await eventually(() => stream.destroyed && stream.closed), "the file stream was not closed").toBe(true);
    }
    expect(await eventually(() => sockets() <= before), "TCP sockets left open").toBe(true);
  });
});

/**
 * A hand-made node on 127.0.0.1 that reads 128 KiB of an upload (headers included) and then does
 * `then` with the connection, the rest of the body unread.
 */
async function rawNode(then: (socket: Socket) => void): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let read = 0;
    const onData = (chunk: Buffer): void => {
      read += chunk.byteLength;
      if (read < 131_072) return;
      socket.off("data", onData);
      socket.pause();
      then(socket);
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Writes `text`, then resets the connection (RST) once it has left. */
function answerThenReset(text: string): (socket: Socket) => void {
  return (socket) => socket.write(text, () => socket.resetAndDestroy());
}

describe("a node that breaks the connection under an upload without a whole answer: a streamed body ends as a buffer does", () => {
  const cases: ReadonlyArray<{ name: string; then: (socket: Socket) => void; code: StorageError["code"]; body?: string }> = [
    { name: "a reset without a word", then: (socket) => socket.resetAndDestroy(), code: "E_BACKEND_UNREACHABLE" },
    { name: "half a status line, then a reset", then: answerThenReset("HTTP/1.1 50"), code: "E_BACKEND_UNREACHABLE" },
    {
      name: "a 500's headers and part of its body, then a reset",
      then: answerThenReset("HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/html\r\ncontent-length: 40\r\nconnection: close\r\n\r\nUnable to store"),
      code: "E_BACKEND_HTTP",
      body: "Unable to store",
    },
  ];
  for (const { name, then, code, body } of cases) {
    test(`${name}: ${code}${body === undefined ? "" : " with what arrived of the body"}`, async () => {
      const url = await rawNode(then);
      const backend = createCodexBackend({ url, requestTimeoutMs: 60_000, idleTimeoutMs: 60_000 });
      onTestFinished(() => backend.close());
      for (const kind of ["buffer", ...STREAMED] as const) {
        const { body: put, size } = bodyOf(kind, LARGE);
        const error = await storageError(backend.put(put, size === undefined ? {} : { size }), code);
        if (body !== undefined) expect(error.details, kind).toMatchObject({ status: 500, body });
        if (code === "E_BACKEND_UNREACHABLE") expect(["EPIPE", "ECONNRESET"], kind).toContain(error.details?.["errno"]);
      }
    });
  }
});
