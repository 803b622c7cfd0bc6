/**
 * A proxy in front of a node (nginx with `gzip on`, a CDN in front of a public endpoint) may
 * compress what passes through it, whatever the request asked for. The backend took such a body as
 * the answer itself: a download handed the compressed bytes out as the content (its size the
 * compressed length: the storage client then blamed the endpoint for serving other bytes,
 * E_INTEGRITY), and an upload's CID, compressed, was "not a CID" and retried on the same proxy.
 * Every request now asks for `Accept-Encoding: identity`, and an answer still encoded is refused
 * with E_BACKEND_REJECTED naming the encoding (the proxy answers so every time).
 *
 * A download answered with a 2xx other than 200 (206 Partial Content from a cache although no Range
 * was asked, 204 No Content) is not the whole content either: E_BACKEND_HTTP, never handed out.
 *
 * Real HTTP on 127.0.0.1: the Codex test server behind a small compressing gateway.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import { gzipSync, deflateSync, brotliCompressSync } from "node:zlib";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { classifyFailure } from "../../src/storage/retry/index.js";
import { startCodexTestServer, type CodexTestServer } from "../support/codex-server/index.js";
import { collect, pattern, storageError } from "./codex-fixtures.js";
import { listenOnLoopback } from "../support/loopback-server.js";

type Encoding = "gzip" | "deflate" | "br" | "identity";

const ENCODERS: Record<Encoding, (body: Buffer) => Buffer> = {
  gzip: gzipSync,
  deflate: deflateSync,
  br: brotliCompressSync,
  identity: (body) => body,
};

interface Gateway {
  readonly url: string;
  /** The Accept-Encoding of every request that passed, in order. */
  readonly acceptEncodings: Array<string | undefined>;
  /** Encoding applied to answers whose path ends so (default: none). */
  encode: { readonly suffix: string; readonly encoding: Encoding; readonly chunked?: boolean } | undefined;
  /** Answers downloads with this status instead of the node's (the node's body). */
  downloadStatus: number | undefined;
}

/** A gateway on 127.0.0.1 that forwards to `target` and may compress or re-status the answers. */
async function startGateway(target: CodexTestServer): Promise<Gateway> {
  const upstream = new URL(target.url);
  const gateway: Gateway & { url: string } = { url: "", acceptEncodings: [], encode: undefined, downloadStatus: undefined };
  const server: Server = createServer((req, res) => {
    gateway.acceptEncodings.push(req.headers["accept-encoding"]);
    const headers: IncomingHttpHeaders = { ...req.headers };
    delete headers.connection;
    const out = request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
      const parts: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => parts.push(chunk));
      answer.on("end", () => {
        const body = Buffer.concat(parts);
        const encode = gateway.encode;
        const encoded = encode !== undefined && (req.url ?? "").endsWith(encode.suffix);
        const sent = encoded ? ENCODERS[encode.encoding](body) : body;
        const status = gateway.downloadStatus !== undefined && (req.url ?? "").endsWith("/network/stream") ? gateway.downloadStatus : (answer.statusCode ?? 502);
        const names = { ...answer.headers };
        delete names["content-length"];
        delete names["transfer-encoding"];
        delete names.connection;
        res.writeHead(status, {
          ...names,
          ...(encoded ? { "content-encoding": encode.encoding } : {}),
          ...(encoded && encode.chunked === true ? {} : status === 204 ? {} : { "content-length": sent.byteLength }),
        });
        res.end(status === 204 ? undefined : sent);
      });
    });
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  gateway.url = await listenOnLoopback(server);
  return gateway;
}

async function setup(): Promise<{ server: CodexTestServer; gateway: Gateway; backend: ReturnType<typeof createCodexBackend> }> {
  const server = await startCodexTestServer();
  onTestFinished(() => server.close());
  const gateway = await startGateway(server);
  const backend = createCodexBackend({ url: gateway.url, requestTimeoutMs: 5_000 });
  onTestFinished(() => backend.close());
  return { server, gateway, backend };
}

const SIZE = 100_000;

describe("Codex backend: answers a proxy compressed", () => {
  test("every request asks for identity (Accept-Encoding: identity)", async () => {
    const { gateway, backend } = await setup();
    const cid = await backend.put(pattern(SIZE));
    await collect((await backend.get(cid)).body);
    await backend.has(cid);
    await backend.space();
    await backend.manifest(cid);
    await backend.delete(cid);
    expect(gateway.acceptEncodings).toHaveLength(6);
    expect(new Set(gateway.acceptEncodings)).toEqual(new Set(["identity"]));
  });

  test.each(["gzip", "deflate", "br"] as const)("a download whose body comes %s-encoded is refused, never handed out as the content", async (encoding) => {
    const { gateway, backend } = await setup();
    const bytes = pattern(SIZE);
    const cid = await backend.put(bytes);
    gateway.encode = { suffix: "/network/stream", encoding };
    const error = await storageError(async () => collect((await backend.get(cid)).body), "E_BACKEND_REJECTED");
    expect(error.message).toContain(`Content-Encoding: ${encoding}`);
    expect(error.details).toMatchObject({ method: "GET", encoding });
    expect(classifyFailure(error)).toBe("next-endpoint");
    // The same gateway without compression: the content, whole.
    gateway.encode = undefined;
    expect((await collect((await backend.get(cid)).body)).equals(bytes)).toBe(true);
  });

  test("a compressed download sent chunked (no Content-Length) is refused before the manifest is asked for", async () => {
    const { server, gateway, backend } = await setup();
    const cid = await backend.put(pattern(SIZE));
    gateway.encode = { suffix: "/network/stream", encoding: "gzip", chunked: true };
    await storageError(async () => collect((await backend.get(cid)).body), "E_BACKEND_REJECTED");
    expect(server.stats.byRoute.manifest ?? 0).toBe(0);
  });

  test("an upload's CID answer that comes gzip-encoded is refused as the proxy's doing, not retried there as a malformed answer", async () => {
    const { gateway, backend } = await setup();
    gateway.encode = { suffix: "/data", encoding: "gzip" };
    const error = await storageError(backend.put(pattern(SIZE)), "E_BACKEND_REJECTED");
    expect(error.message).toContain("Content-Encoding: gzip");
    expect(error.message).toContain("proxy");
  });

  test("JSON answers (exists, space, manifest) that come gzip-encoded are refused alike", async () => {
    const { gateway, backend } = await setup();
    const cid = await backend.put(pattern(SIZE));
    gateway.encode = { suffix: "/exists", encoding: "gzip" };
    await storageError(backend.has(cid), "E_BACKEND_REJECTED");
    gateway.encode = { suffix: "/space", encoding: "gzip" };
    await storageError(backend.space(), "E_BACKEND_REJECTED");
    gateway.encode = { suffix: "/network/manifest", encoding: "gzip" };
    await storageError(backend.manifest(cid), "E_BACKEND_REJECTED");
  });

  test("Content-Encoding: identity is the content as stored, and accepted", async () => {
    const { gateway, backend } = await setup();
    const bytes = pattern(SIZE);
    const cid = await backend.put(bytes);
    gateway.encode = { suffix: "/network/stream", encoding: "identity" };
    expect((await collect((await backend.get(cid)).body)).equals(bytes)).toBe(true);
  });
});

describe("Codex backend: a download answered with a 2xx that is not 200", () => {
  test.each([206, 203, 204])("HTTP %i to a download without Range is not the whole content: E_BACKEND_HTTP, nothing handed out", async (status) => {
    const { gateway, backend } = await setup();
    const cid = await backend.put(pattern(SIZE));
    gateway.downloadStatus = status;
    const error = await storageError(backend.get(cid), "E_BACKEND_HTTP");
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.retryable).toBe(true);
  });
});
