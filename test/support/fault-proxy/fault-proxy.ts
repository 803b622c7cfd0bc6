import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { seededRandom } from "./seeded-random.js";

export type ProxyFault =
  | { readonly kind: "pass" }
  /** TCP reset of the client connection before any answer (the request is not forwarded). */
  | { readonly kind: "reset" }
  /** Forward the answer's headers and `afterBytes` of its body, then reset the connection. */
  | { readonly kind: "reset-mid-body"; readonly afterBytes: number }
  /** Forward the headers (Content-Length intact) and `afterBytes` of body, then close cleanly (FIN). */
  | { readonly kind: "truncate"; readonly afterBytes: number }
  /**
   * Answer `status` with a plain-text body (text/html, like Codex) without asking the upstream, plus
   * `headers` (a gateway's `Retry-After`, say).
   */
  | { readonly kind: "status"; readonly status: number; readonly body?: string; readonly headers?: Readonly<Record<string, string>> }
  /** Forward the answer whole, with the byte at `atByte` of its body flipped (a gateway or disk serving wrong bytes; status and length intact). */
  | { readonly kind: "corrupt"; readonly atByte: number }
  /** Forward the answer with every byte of its body changed (status and length intact): an endpoint serving other content under the CID. */
  | { readonly kind: "other-bytes" }
  /** Forward the answer's body `chunkBytes` every `everyMs` (a node streaming from a slow peer: slow, never stalled). */
  | { readonly kind: "slow"; readonly chunkBytes: number; readonly everyMs: number }
  /** Hold the request for `ms`, then forward it. */
  | { readonly kind: "delay"; readonly ms: number }
  /** Never answer (`before-headers`), or stop forwarding after `afterBytes` of body and keep the connection open (`mid-body`). */
  | { readonly kind: "hang"; readonly phase: "before-headers" | "mid-body"; readonly afterBytes?: number };

export type ProxyFaultKind = ProxyFault["kind"];

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
}

export interface FaultProxyOptions {
  /** Upstream base URL on loopback, e.g. a Codex test server's `url`. */
  target: string;
  /** Probability (0..1) that an eligible request without a scripted fault gets a random one. Default 0. */
  faultRate?: number;
  /** Seed of the random choices (same seed, same requests → same faults). Default 1. */
  seed?: number;
  /** Faults drawn from when the rate hits. Default: reset, 500, 503, truncate after 1 KiB, reset after 4 KiB. */
  randomFaults?: readonly ProxyFault[];
  /** Which requests random faults may hit (scripted faults hit any request). Default: all. */
  eligible?: (request: ProxiedRequest) => boolean;
}

export interface FaultProxyStats {
  requests: number;
  passed: number;
  /** Faults that took effect, by kind. */
  injected: Partial<Record<ProxyFaultKind, number>>;
  /** Body faults whose body ended before `afterBytes` (so the answer went through whole). */
  ineffective: number;
  /** Per request, in arrival order (last 1000); `at` is its arrival, performance.now(). */
  history: Array<ProxiedRequest & { fault: ProxyFaultKind; effective: boolean; at: number }>;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`; use it in place of the target's URL. */
  readonly url: string;
  readonly port: number;
  readonly stats: FaultProxyStats;
  /** The next requests take these faults, in order, before any random ones. */
  script(...faults: ProxyFault[]): void;
  setFaultRate(rate: number): void;
  /** Stops listening and cuts every connection, hung ones included. */
  close(): Promise<void>;
}

const DEFAULT_RANDOM_FAULTS: readonly ProxyFault[] = [
  { kind: "reset" },
  { kind: "status", status: 500, body: "Internal Server Error" },
  { kind: "status", status: 503, body: "Service Unavailable" },
  { kind: "truncate", afterBytes: 1024 },
  { kind: "reset-mid-body", afterBytes: 4096 },
];

/** Connection-scoped headers that must not be forwarded as they are. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"]);

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

function sendText(res: ServerResponse, status: number, body: string, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { ...headers, "content-type": "text/html", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function drained(req: IncomingMessage): Promise<void> {
  req.resume();
  if (req.complete) return Promise.resolve();
  return new Promise((resolve) => req.once("end", resolve).once("close", resolve));
}

function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.once("drain", done).once("close", done);
  });
}

/**
 * Starts an HTTP proxy on 127.0.0.1 in front of `target` that injects faults per request:
 * scripted ones first, then random ones at `faultRate` from a seeded generator.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed ?? 1);
  const pool = options.randomFaults ?? DEFAULT_RANDOM_FAULTS;
  let rate = options.faultRate ?? 0;
  const scripted: ProxyFault[] = [];
  const stats: FaultProxyStats = { requests: 0, passed: 0, injected: {}, ineffective: 0, history: [] };
  const upstreamAgent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const lifetime = new AbortController();

  const choose = (req: ProxiedRequest): ProxyFault => {
    const next = scripted.shift();
    if (next !== undefined) return next;
    if (rate > 0 && (options.eligible?.(req) ?? true) && random() < rate) {
      return pool[Math.floor(random() * pool.length)] ?? { kind: "pass" };
    }
    return { kind: "pass" };
  };

  const record = (req: ProxiedRequest & { at: number }, fault: ProxyFault, effective: boolean): void => {
    if (fault.kind === "pass") stats.passed += 1;
    else if (effective) stats.injected[fault.kind] = (stats.injected[fault.kind] ?? 0) + 1;
    else stats.ineffective += 1;
    stats.history.push({ ...req, fault: fault.kind, effective });
    if (stats.history.length > 1000) stats.history.shift();
  };

  /** Forwards to the target, applying body faults; `fault` is recorded here unless already recorded (delay). */
  async function forward(req: IncomingMessage, res: ServerResponse, info: ProxiedRequest & { at: number }, fault: ProxyFault, recorded = false): Promise<void> {
    const note = (effective: boolean): void => {
      if (!recorded) record(info, fault, effective);
    };
    const upstream = request({
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: forwardable(req.headers),
      agent: upstreamAgent,
    });
    // The client going away mid-request takes the upstream request with it.
    res.once("close", () => upstream.destroy());
    req.pipe(upstream);
    let answer: IncomingMessage;
    try {
      answer = await new Promise<IncomingMessage>((resolve, reject) => {
        upstream.once("response", resolve).once("error", reject);
      });
    } catch {
      note(fault.kind === "pass");
      if (!res.destroyed) sendText(res, 502, "Bad Gateway");
      return;
    }
    answer.on("error", () => undefined);
    res.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
    res.flushHeaders();
    const cut = fault.kind === "truncate" || fault.kind === "reset-mid-body" || fault.kind === "hang" ? (fault.afterBytes ?? 0) : Number.POSITIVE_INFINITY;
    let sent = 0;
    let flipped = false;
    try {
      for await (const chunk of answer as AsyncIterable<Buffer>) {
        let piece = sent + chunk.byteLength > cut ? chunk.subarray(0, cut - sent) : chunk;
        if (fault.kind === "corrupt" && fault.atByte >= sent && fault.atByte < sent + piece.byteLength) {
          piece = Buffer.from(piece);
          piece[fault.atByte - sent] = (piece[fault.atByte - sent] as number) ^ 0xff;
          flipped = true;
        }
        if (fault.kind === "other-bytes" && piece.byteLength > 0) {
          piece = Buffer.from(piece.map((byte) => byte ^ 0x5a));
          flipped = true;
        }
        if (fault.kind === "slow") {
          for (let at = 0; at < piece.byteLength && !res.destroyed; at += fault.chunkBytes) {
            if (!res.write(piece.subarray(at, at + fault.chunkBytes))) await writable(res);
            await sleep(fault.everyMs, undefined, { signal: lifetime.signal }).catch(() => undefined);
          }
        } else if (piece.byteLength > 0 && !res.write(piece)) await writable(res);
        sent += piece.byteLength;
        if (res.destroyed) return;
        if (sent >= cut) break;
      }
    } catch {
      // The upstream broke off; pass that on as a broken connection.
      note(true);
      res.socket?.destroy();
      return;
    }
    if (sent < cut) {
      note(fault.kind === "pass" || flipped);
      res.end();
      return;
    }
    answer.destroy();
    note(true);
    if (fault.kind === "truncate") res.socket?.destroySoon();
    else if (fault.kind === "reset-mid-body") res.socket?.resetAndDestroy();
    // hang mid-body: keep the client's connection open and silent.
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests += 1;
    const info = { method: req.method ?? "GET", path: req.url ?? "/", at: performance.now() };
    const fault = choose(info);
    switch (fault.kind) {
      case "reset":
        record(info, fault, true);
        req.socket.resetAndDestroy();
        return;
      case "status":
        await drained(req);
        record(info, fault, true);
        sendText(res, fault.status, fault.body ?? "", fault.headers);
        return;
      case "hang":
        if (fault.phase === "before-headers") {
          record(info, fault, true);
          req.resume();
          return;
        }
        return forward(req, res, info, fault);
      case "delay":
        // Counted when the hold starts: the client may give up before it ends.
        record(info, fault, true);
        try {
          await sleep(fault.ms, undefined, { signal: lifetime.signal });
        } catch {
          return;
        }
        return forward(req, res, info, fault, true);
      default:
        return forward(req, res, info, fault);
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.socket?.destroy());
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fault proxy: no TCP address");

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    stats,
    script: (...faults) => void scripted.push(...faults),
    setFaultRate: (r) => {
      rate = r;
    },
    close: () =>
      (closing ??= (async () => {
        lifetime.abort();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        upstreamAgent.destroy();
        await closed;
      })()),
  };
}
