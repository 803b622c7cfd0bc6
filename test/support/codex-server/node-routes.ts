/**
 * The node-management, debug and marketplace routes of a Codex node's REST API (nim-codex
 * `codex/rest/api.nim`: initNodeApi, initDebugApi, initSalesApi, initPurchasingApi), answered as
 * a node without a marketplace answers them:
 *
 * - `GET /peerid`, `GET /spr`: text/plain when the client's preferred Accept type is text/plain,
 *   otherwise JSON `{"id"}` / `{"spr"}`. With no SPR yet, `/spr` is 503 with an empty body labelled
 *   application/json (the node's code; openapi.yaml only describes it as "try again later").
 * - `GET /connect/{peerId}[?addrs=…]`: 400 "peerid: incorrect PeerId string" for a malformed ID;
 *   200 "Successfully connected to peer" for a peer in `connectablePeers`; otherwise 400 "Unable to
 *   dial peer" when addrs were given and "Unable to find Peer!" when discovery had to find it.
 * - `GET /debug/info`: pretty-printed DebugInfo JSON.
 * - `POST /debug/chronicles/loglevel?level=…`: 200 empty; 400 "Missing log level"; 500 for a level
 *   chronicles does not know.
 * - Marketplace (`/sales/*`, `/storage/request/{cid}`, `/storage/purchases*`): 503 "Persistence is
 *   not enabled" before any parameter is looked at. Only under /api/codex/v1: Logos Storage
 *   (/api/storage/v1) removed these routes, so there they are unknown (404).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CodexRoute } from "./faults.js";
import { isPeerId, type NodeIdentity } from "./node-identity.js";
import { sendError, sendJson, sendText } from "./responses.js";

export type NodeRoute = Extract<CodexRoute, "peerid" | "spr" | "connect" | "debug-info" | "log-level" | "marketplace">;

export interface NodeState {
  readonly identity: NodeIdentity;
  /** Data directory reported as `repo`. */
  readonly repo: string;
  /** false: the node has no signed peer record yet (`/spr` answers 503). */
  readonly sprReady: boolean;
  /** Peer IDs a `/connect` succeeds for (as if they were found and dialled). */
  readonly connectablePeers: readonly string[];
  /** Last level set through `/debug/chronicles/loglevel` (upper case), starting at INFO. */
  logLevel: string;
}

/** Chronicles' LogLevel names (parsed upper-cased, as the node's updateLogLevel does). */
const LOG_LEVELS = new Set(["NONE", "TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "FATAL"]);

const MARKETPLACE_ROUTES: ReadonlyArray<readonly [string, RegExp]> = [
  ["GET", /^\/sales\/slots$/],
  ["GET", /^\/sales\/slots\/[^/]+$/],
  ["GET", /^\/sales\/availability$/],
  ["POST", /^\/sales\/availability$/],
  ["PATCH", /^\/sales\/availability\/[^/]+$/],
  ["GET", /^\/sales\/availability\/[^/]+\/reservations$/],
  ["POST", /^\/storage\/request\/[^/]+$/],
  ["GET", /^\/storage\/purchases$/],
  ["GET", /^\/storage\/purchases\/[^/]+$/],
];

const NODE_ROUTES: ReadonlySet<CodexRoute> = new Set<NodeRoute>(["peerid", "spr", "connect", "debug-info", "log-level", "marketplace"]);

export function isNodeRoute(route: CodexRoute): route is NodeRoute {
  return NODE_ROUTES.has(route);
}

/** The route for `rest` (the path after the API prefix), or undefined when the node has none. */
export function nodeRouteOf(method: string, rest: string, marketplace: boolean): { route: NodeRoute; peerId?: string } | undefined {
  if (method === "GET") {
    if (rest === "/peerid") return { route: "peerid" };
    if (rest === "/spr") return { route: "spr" };
    if (rest === "/debug/info") return { route: "debug-info" };
    const connect = /^\/connect\/([^/]+)$/.exec(rest);
    if (connect !== null) return { route: "connect", peerId: decodeURIComponent(connect[1] as string) };
  }
  if (method === "POST" && rest === "/debug/chronicles/loglevel") return { route: "log-level" };
  if (marketplace && MARKETPLACE_ROUTES.some(([m, path]) => m === method && path.test(rest))) return { route: "marketplace" };
  return undefined;
}

export function answerNodeRoute(req: IncomingMessage, res: ServerResponse, url: URL, route: NodeRoute, peerId: string | undefined, node: NodeState): void {
  const { identity } = node;
  switch (route) {
    case "peerid":
      if (prefersText(req)) return sendText(res, identity.peerId);
      return sendJson(res, { id: identity.peerId });
    case "spr":
      if (!node.sprReady) return sendText(res, "", "application/json", 503);
      if (prefersText(req)) return sendText(res, identity.spr);
      return sendJson(res, { spr: identity.spr });
    case "connect":
      return connect(res, url, peerId ?? "", node);
    case "debug-info":
      return sendJson(res, debugInfo(node), { pretty: true });
    case "log-level":
      return setLogLevel(res, url, node);
    case "marketplace":
      return sendError(res, 503, "Persistence is not enabled");
  }
}

function connect(res: ServerResponse, url: URL, peerId: string, node: NodeState): void {
  if (!isPeerId(peerId)) return sendError(res, 400, "peerid: incorrect PeerId string");
  // A node dials the given addresses, or first asks discovery for the peer's.
  const addrs = url.searchParams.getAll("addrs").filter((a) => a.startsWith("/"));
  if (node.connectablePeers.includes(peerId)) return sendText(res, "Successfully connected to peer");
  return sendError(res, 400, addrs.length > 0 ? "Unable to dial peer" : "Unable to find Peer!");
}

function setLogLevel(res: ServerResponse, url: URL, node: NodeState): void {
  const level = url.searchParams.get("level");
  if (level === null) return sendError(res, 400, "Missing log level");
  // "LEVEL;topic:LEVEL;…": only the default level matters here; unknown topics are only warned about.
  const base = (level.split(";")[0] ?? "").toUpperCase();
  if (!LOG_LEVELS.has(base)) return sendError(res, 500, "Please specify one of: trace, debug, info, notice, warn, error or fatal");
  node.logLevel = base;
  return sendText(res, "");
}

function debugInfo(node: NodeState): unknown {
  const { identity } = node;
  const spr = node.sprReady ? identity.spr : "";
  return {
    id: identity.peerId,
    addrs: identity.addrs,
    repo: node.repo,
    spr,
    announceAddresses: identity.addrs,
    table: {
      localNode: { nodeId: identity.nodeId, peerId: identity.peerId, record: spr, address: identity.discoveryAddress, seen: false },
      nodes: [],
    },
    codex: { version: "v0.0.0-test-server", revision: "0000000", contracts: "0000000" },
  };
}

/** Presto's preferredContentType: the Accept entry with the highest q (first among equals). */
function prefersText(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  if (accept === undefined || accept.trim() === "") return false;
  let best: { type: string; q: number } | undefined;
  for (const entry of accept.split(",")) {
    const [type = "", ...params] = entry.split(";").map((p) => p.trim());
    const qParam = params.find((p) => p.startsWith("q="));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (type !== "" && Number.isFinite(q) && q > 0 && (best === undefined || q > best.q)) best = { type: type.toLowerCase(), q };
  }
  return best?.type === "text/plain";
}
