import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { base58btc } from "multiformats/bases/base58";
import { CODEX_MANIFEST_CODEC, DEFAULT_BLOCK_SIZE } from "./dataset-hasher.js";
import { DatasetStore, QuotaExceeded, type StoredManifest } from "./dataset-store.js";
import { FaultQueue, type CodexRoute, type ServerFault } from "./faults.js";
import { isAcceptedMimeType } from "./mime-type.js";
import { createNodeIdentity } from "./node-identity.js";
import { parseNodeCid } from "./node-cid.js";
import { answerNodeRoute, isNodeRoute, nodeRouteOf, type NodeState } from "./node-routes.js";
import { sendBodyOnly, sendError, sendJson, sendNoContent, sendText } from "./responses.js";

export const CODEX_PREFIX = "/api/codex/v1";
export const LOGOS_STORAGE_PREFIX = "/api/storage/v1";

export interface CodexTestServerOptions {
  /** API prefixes served; default both `/api/codex/v1` and `/api/storage/v1`. */
  prefixes?: readonly string[];
  /** Block size for hashing (Codex default 64 KiB). */
  blockSize?: number;
  /**
   * `quotaMaxBytes` of /space; an upload beyond it fails with 500 like a full node, answered at the
   * first block that does not fit without reading the rest of the body. Default 20 GiB.
   */
  quotaMaxBytes?: number;
  /** Where datasets go; default a fresh temp directory removed by close(). */
  dir?: string;
  /**
   * Keeps connections open between requests, as a reverse proxy or gateway in front of a node does
   * (for tests of kept-alive connections). Default false, as a node: nim-codex starts its REST server
   * (presto on chronos' HttpServer) without the Http11Pipeline flag, so every answer says
   * `Connection: close` and the node closes the connection after it; a client never reuses one.
   */
  keepAlive?: boolean;
  /**
   * With keepAlive: how long an idle connection is kept, and so the `Keep-Alive: timeout=N` hint
   * every answer carries (Node's server default: 5 s). Node's client pool drops a socket 1 s before
   * that hint runs out, so a hint of 5 s does the backend's own idle limit's work for it: a test of
   * that limit needs a gateway that keeps connections longer.
   */
  keepAliveTimeoutMs?: number;
}

/** Switches that change answers without scripting a fault. Mutable while the server runs. */
export interface CodexServerBehaviour {
  /** `/exists` answer: the node's code (`{"<cid>": bool}`, default) or the spec (`{"has": bool}`). */
  existsShape: "cid-key" | "has";
  /**
   * Unknown CID on the network routes (download, manifest, fetch). A node asks its peers, retrying
   * for minutes (DefaultBlockRetries × DefaultRetryInterval), then fails with the block exchange's
   * "Error retries exhausted": 500 on a download (its route answers any error but BlockNotFoundError
   * so), 404 on manifest and fetch. "not-found" (default) answers that at once, leaving the wait
   * out; "hang" never answers, as a node still searching. A local download (`GET /data/{cid}`) is a
   * 404 "The requested CID could not be retrieved (Block not found in local store)." either way.
   */
  missingContent: "not-found" | "hang";
  /** Downloads without Content-Length (chunked), as a proxy in front of a node might send them. */
  omitContentLength: boolean;
  /** false: the node has no signed peer record yet, so `/spr` answers 503 (default true). */
  sprReady: boolean;
  /** Peer IDs `/connect/{peerId}` succeeds for; any other well-formed ID gets 400 (default none). */
  connectablePeers: string[];
}

export interface CodexServerStats {
  requests: number;
  byRoute: Partial<Record<CodexRoute | "unknown", number>>;
  uploads: number;
  uploadedBytes: number;
  /** Uploads whose client went away before the body ended. */
  abortedUploads: number;
  /** Uploads refused for the quota (answered at the first block that did not fit). */
  refusedUploads: number;
  downloads: number;
  downloadedBytes: number;
  faultsInjected: number;
}

export interface CodexTestServer {
  /** `http://127.0.0.1:<port>` without a prefix (pass the prefix to the client separately). */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** The node's libp2p peer ID (`/peerid`, `/debug/info`). */
  readonly peerId: string;
  /** The node's signed peer record URI (`/spr` once `behaviour.sprReady`). */
  readonly spr: string;
  /** Level last set through `POST /debug/chronicles/loglevel` (upper case; starts at INFO). */
  logLevel(): string;
  readonly behaviour: CodexServerBehaviour;
  readonly stats: CodexServerStats;
  /** Queues `fault` for the next `times` (default 1) requests on `route` ("*" = any route). */
  inject(route: CodexRoute | "*", fault: ServerFault, options?: { times?: number }): void;
  clearFaults(): void;
  /** TCP connections currently open to the server (for leak checks). */
  openConnections(): number;
  /**
   * Closes the keep-alive connections waiting for a next request, leaving those with a request in
   * progress: a leak check of those then need not wait out the server's 5 s keep-alive timeout.
   */
  closeIdleConnections(): void;
  /** Stored manifest CIDs. */
  cids(): string[];
  /** Stops listening, cuts every connection (hung ones too), removes its temp directory. */
  close(): Promise<void>;
}

const TWENTY_GIB = 20 * 2 ** 30;
/** nim-codex blockexchange engine: what a block request fails with once its retries ran out. */
const RETRIES_EXHAUSTED = "Error retries exhausted";
const MAX_FILENAME = 255;

/** Nim's `isValidFilename` refuses these characters (and empty or over-long names). */
const BAD_FILENAME = /[\\/:*?"<>|\u0000-\u001f]/;

/**
 * The CORS preflight routes (`router.api(MethodOptions, …)`): 204 with an empty body (and, with
 * `--api-cors-origin` set, which a test server never is, the CORS headers), the CID not even parsed.
 * The marketplace's is registered only where the marketplace is (/api/codex/v1).
 */
function isPreflight(method: string, rest: string, prefix: string): boolean {
  if (method !== "OPTIONS") return false;
  return rest === "/data" || /^\/data\/[^/]+$/.test(rest) || (prefix === CODEX_PREFIX && /^\/sales\/availability\/[^/]+$/.test(rest));
}

function routeOf(method: string, rest: string, prefix: string): { route: CodexRoute; cid?: string; peerId?: string } | undefined {
  if (isPreflight(method, rest, prefix)) return { route: "preflight" };
  if (rest === "/data") return method === "POST" ? { route: "upload" } : method === "GET" ? { route: "list" } : undefined;
  if (rest === "/space") return method === "GET" ? { route: "space" } : undefined;
  const m = /^\/data\/([^/]+)(\/network|\/network\/stream|\/network\/manifest|\/exists)?$/.exec(rest);
  if (m === null) return nodeRouteOf(method, rest, prefix === CODEX_PREFIX);
  const cid = decodeURIComponent(m[1] as string);
  switch (m[2]) {
    case undefined:
      return method === "GET" ? { route: "download-local", cid } : method === "DELETE" ? { route: "delete", cid } : undefined;
    case "/network":
      return method === "POST" ? { route: "fetch", cid } : undefined;
    case "/network/stream":
      return method === "GET" ? { route: "download", cid } : undefined;
    case "/network/manifest":
      return method === "GET" ? { route: "manifest", cid } : undefined;
    case "/exists":
      return method === "GET" ? { route: "exists", cid } : undefined;
    default:
      return undefined;
  }
}

/** As a node parses it: whatever follows `filename="` minus the closing quote. */
function filenameOf(disposition: string | undefined): string | undefined {
  if (disposition === undefined || !disposition.includes('filename="')) return undefined;
  const after = disposition.split('filename="')[1];
  return after === undefined ? undefined : after.trim().slice(0, -1);
}

function waitWritable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}

/**
 * Starts an HTTP server on 127.0.0.1 (OS-chosen port) that answers like a Codex / Logos Storage
 * node's REST API (see docs/codex-backend.md and the facts in the module comment of index.ts).
 */
export async function startCodexTestServer(options: CodexTestServerOptions = {}): Promise<CodexTestServer> {
  const prefixes = options.prefixes ?? [CODEX_PREFIX, LOGOS_STORAGE_PREFIX];
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "codex-test-server-")));
  const store = new DatasetStore(dir, options.blockSize ?? DEFAULT_BLOCK_SIZE, options.quotaMaxBytes ?? TWENTY_GIB);
  const faults = new FaultQueue();
  const behaviour: CodexServerBehaviour = {
    existsShape: "cid-key",
    missingContent: "not-found",
    omitContentLength: false,
    sprReady: true,
    connectablePeers: [],
  };
  const identity = createNodeIdentity();
  const node: NodeState = {
    identity,
    repo: dir,
    get sprReady() {
      return behaviour.sprReady;
    },
    get connectablePeers() {
      return behaviour.connectablePeers;
    },
    logLevel: "INFO",
  };
  const stats: CodexServerStats = {
    requests: 0,
    byRoute: {},
    uploads: 0,
    uploadedBytes: 0,
    abortedUploads: 0,
    refusedUploads: 0,
    downloads: 0,
    downloadedBytes: 0,
    get faultsInjected() {
      return faults.injected;
    },
  };
  const sockets = new Set<Socket>();
  // Ends the server's own waits (delays, slow drips) on close, so no timer outlives it.
  const lifetime = new AbortController();

  const pause = async (ms: number): Promise<boolean> => {
    try {
      await sleep(ms, undefined, { signal: lifetime.signal });
      return true;
    } catch {
      return false;
    }
  };

  /** True once `until` settles, false if the server closes first (a hold the test never let go). */
  const hold = (until: Promise<unknown>): Promise<boolean> =>
    new Promise((resolve) => {
      const onClose = (): void => resolve(false);
      if (lifetime.signal.aborted) return onClose();
      lifetime.signal.addEventListener("abort", onClose, { once: true });
      const settled = (): void => {
        lifetime.signal.removeEventListener("abort", onClose);
        resolve(!lifetime.signal.aborted);
      };
      until.then(settled, settled);
    });

  const dataItem = (m: StoredManifest, prefix: string): unknown => ({
    cid: m.cid,
    manifest: {
      treeCid: m.treeCid,
      datasetSize: m.datasetSize,
      blockSize: m.blockSize,
      // Logos Storage dropped `protected`; Codex builds still send it (false for plain uploads).
      ...(prefix === CODEX_PREFIX ? { protected: false } : {}),
      // nim-serde writes an absent Option as null: the keys are always there.
      filename: m.filename ?? null,
      mimetype: m.mimetype ?? null,
    },
  });

  const hangAfterHeaders = (res: ServerResponse, length: number): void => {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": length });
    res.flushHeaders();
  };

  /** The request body at `chunkBytes` every `everyMs`; a stream not read meanwhile backs the client up. */
  async function* throttled(req: IncomingMessage, drip: { chunkBytes: number; everyMs: number }): AsyncGenerator<Buffer, void, undefined> {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      for (let at = 0; at < chunk.byteLength; at += drip.chunkBytes) {
        if (!(await pause(drip.everyMs))) throw new Error("server closed");
        yield chunk.subarray(at, at + drip.chunkBytes);
      }
    }
  }

  async function upload(req: IncomingMessage, res: ServerResponse, fault: ServerFault | undefined): Promise<void> {
    const rawType = req.headers["content-type"];
    const mimetype = rawType === undefined || rawType === "" ? undefined : rawType;
    if (mimetype !== undefined && !isAcceptedMimeType(mimetype)) {
      return sendError(res, 422, `The MIME type '${mimetype}' is not valid.`);
    }
    const filename = filenameOf(req.headers["content-disposition"]);
    if (filename !== undefined && (filename === "" || BAD_FILENAME.test(filename) || filename.length > MAX_FILENAME)) {
      return sendError(res, 422, "The filename is not valid.");
    }
    let stored: StoredManifest;
    try {
      stored = await store.ingest(fault?.kind === "slow" ? throttled(req, fault) : req, {
        ...(filename === undefined ? {} : { filename }),
        ...(mimetype === undefined ? {} : { mimetype }),
      });
    } catch (error) {
      if (error instanceof QuotaExceeded) {
        // Answered at the first block that does not fit, the rest of the body unread (as a node:
        // store() fails there and the route answers). The connection closes with the answer (a
        // node's always does; with keepAlive too, since the unread rest would be taken for the next request).
        stats.refusedUploads += 1;
        res.setHeader("connection", "close");
        return sendError(res, 500, error.message);
      }
      if (!req.complete) {
        stats.abortedUploads += 1;
        return;
      }
      return sendError(res, 500, error instanceof Error ? error.message : "");
    }
    stats.uploads += 1;
    stats.uploadedBytes += stored.datasetSize;
    res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(stored.cid) });
    res.end(stored.cid);
  }

  async function download(res: ServerResponse, m: StoredManifest, fault: ServerFault | undefined, network: boolean): Promise<void> {
    res.writeHead(200, {
      "content-type": m.mimetype ?? "application/octet-stream",
      "content-disposition": m.filename === undefined ? "attachment" : `attachment; filename="${m.filename}"`,
      ...(behaviour.omitContentLength ? {} : { "content-length": m.datasetSize }),
      // Set by the network stream's route only (api.nim), not by GET /data/{cid}'s.
      ...(network ? { "access-control-expose-headers": "Content-Disposition" } : {}),
      // A node streams a download as chronos' Plain stream (resp.prepare(Plain)), which sends
      // `Connection: close` and ends the connection with the body (with keepAlive too).
      connection: "close",
    });
    // A node sends the headers (resp.prepare) before the first block is even fetched.
    res.flushHeaders();
    if (fault?.kind === "hang" && fault.phase === "after-headers") return;
    const limit = fault?.kind === "truncate" ? fault.afterBytes : Number.POSITIVE_INFINITY;
    const drip = fault?.kind === "slow" ? fault : undefined;
    const file = createReadStream(store.pathOf(m), { highWaterMark: m.blockSize });
    let sent = 0;
    try {
      for await (const block of file as AsyncIterable<Buffer>) {
        let piece = sent + block.byteLength > limit ? block.subarray(0, limit - sent) : block;
        while (piece.byteLength > 0) {
          if (res.destroyed) return;
          const step = drip === undefined ? piece : piece.subarray(0, drip.chunkBytes);
          if (drip !== undefined && !(await pause(drip.everyMs))) return;
          if (!res.write(step)) await waitWritable(res);
          sent += step.byteLength;
          stats.downloadedBytes += step.byteLength;
          piece = piece.subarray(step.byteLength);
        }
        if (sent >= limit) break;
      }
    } finally {
      file.destroy();
    }
    if (fault?.kind === "truncate") {
      // Like a node whose block fetch failed mid-stream: status 200 already sent, the body just stops.
      const then = fault.then ?? "close";
      if (then === "close") res.socket?.destroySoon();
      if (then === "end") res.end();
      return;
    }
    stats.downloads += 1;
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests += 1;
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    const prefix = prefixes.find((p) => path.startsWith(`${p}/`));
    const matched = prefix === undefined ? undefined : routeOf(req.method ?? "GET", path.slice(prefix.length), prefix);
    if (prefix === undefined || matched === undefined) {
      stats.byRoute.unknown = (stats.byRoute.unknown ?? 0) + 1;
      req.resume();
      // Presto's answer for a path no route takes: respond(Http404, "") with no Content-Type (chronos
      // adds one only to a body), unlike an error a route returns (text/html even when empty).
      return sendNoContent(res, 404);
    }
    const { route } = matched;
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;

    const fault = faults.take(route);
    if (fault?.kind === "delay" && !(await pause(fault.ms))) return;
    if (fault?.kind === "hold") {
      fault.reached?.();
      if (!(await hold(fault.until))) return;
    }
    if (fault?.kind === "hang") {
      if (fault.phase === "no-read") return;
      req.resume();
      if (fault.phase === "before-headers") return;
      const isDownload = route === "download" || route === "download-local";
      // Downloads fall through: download() sends the dataset's real headers, then nothing.
      if (!isDownload) return hangAfterHeaders(res, 64);
    }
    if (fault?.kind === "status") {
      if (fault.afterBytes !== undefined && fault.early !== true) {
        await readAtLeast(req, fault.afterBytes);
        // The unread rest must not be taken for a next request (keepAlive too): the connection ends with the answer.
        res.setHeader("connection", "close");
      } else if (fault.early !== true) {
        // Normally read the request first so the client sees the answer, not a reset mid-upload.
        req.resume();
        if (!req.complete) await new Promise((resolve) => req.once("end", resolve).once("close", resolve));
      }
      for (const [name, value] of Object.entries(fault.headers ?? {})) res.setHeader(name, value);
      if (fault.contentType !== undefined) return sendText(res, fault.body ?? "", fault.contentType, fault.status);
      return sendError(res, fault.status, fault.body ?? "");
    }

    if (route === "upload") return upload(req, res, fault);
    req.resume();
    if (route === "preflight") return sendNoContent(res, 204);
    if (isNodeRoute(route)) return answerNodeRoute(req, res, url, route, matched.peerId, node);
    if (route === "list") return sendJson(res, { content: store.list().map((m) => dataItem(m, prefix)) });
    if (route === "space") {
      const { usedBytes, totalBlocks } = store.usage();
      return sendJson(res, { totalBlocks, quotaMaxBytes: store.quotaMaxBytes, quotaUsedBytes: usedBytes, quotaReservedBytes: 0 });
    }

    const cid = parseNodeCid(matched.cid ?? "");
    if (cid === undefined) return sendError(res, 400, "Incorrect Cid");
    const cidText = cid.version === 0 ? cid.toString() : cid.toString(base58btc);
    const stored = store.get(cidText);
    switch (route) {
      case "exists":
        return sendJson(res, behaviour.existsShape === "has" ? { has: stored !== undefined } : { [cidText]: stored !== undefined });
      case "delete":
        await store.delete(cidText);
        res.writeHead(204);
        return void res.end();
      case "download":
      case "download-local":
      case "manifest":
      case "fetch":
        // fetchManifest refuses a CID of another codec before it looks for the block (its text has a literal "{$cid}").
        if ((route === "manifest" || route === "fetch") && cid.code !== CODEX_MANIFEST_CODEC) return sendError(res, 404, "CID has invalid content type for manifest {$cid}");
        if (stored === undefined) {
          // retrieveCid sends a download's error itself (resp.sendBody, no type set): chronos labels such a body text/html; charset=utf-8.
          if (route === "download-local") return sendBodyOnly(res, 404, "The requested CID could not be retrieved (Block not found in local store).");
          if (behaviour.missingContent === "hang") return;
          // RetriesExhaustedError is no BlockNotFoundError: retrieveCid answers it with 500; fetchManifest's callers with 404.
          if (route === "download") return sendBodyOnly(res, 500, RETRIES_EXHAUSTED);
          return sendError(res, 404, RETRIES_EXHAUSTED);
        }
        if (route === "manifest" || route === "fetch") return sendJson(res, dataItem(stored, prefix));
        return download(res, stored, fault, route === "download");
    }
  }

  /** Reads `bytes` of the request body (or all of a shorter one) and leaves the rest unread. */
  async function readAtLeast(req: IncomingMessage, bytes: number): Promise<void> {
    let read = 0;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        req.off("data", onData);
        req.pause();
        resolve();
      };
      const onData = (chunk: Buffer): void => {
        read += chunk.byteLength;
        if (read >= bytes) done();
      };
      req.on("data", onData);
      req.once("end", done).once("close", done);
    });
  }

  const keepAlive = options.keepAlive ?? false;
  const server: Server = createServer((req, res) => {
    // Set before any answer is written: Node's server then closes the connection once the answer is sent.
    if (!keepAlive) res.setHeader("connection", "close");
    handle(req, res).catch((error: unknown) => sendError(res, 500, error instanceof Error ? error.message : ""));
  });
  if (keepAlive && options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("codex test server: no TCP address");
  const port = address.port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    peerId: identity.peerId,
    spr: identity.spr,
    logLevel: () => node.logLevel,
    behaviour,
    stats,
    inject: (route, fault, opts) => faults.add(route, fault, opts?.times ?? 1),
    clearFaults: () => faults.clear(),
    openConnections: () => sockets.size,
    closeIdleConnections: () => server.closeIdleConnections(),
    cids: () => store.list().map((m) => m.cid),
    close: () =>
      (closing ??= (async () => {
        lifetime.abort();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await closed;
        if (ownDir) await rm(dir, { recursive: true, force: true });
      })()),
  };
}
