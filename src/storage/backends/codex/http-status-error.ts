import { StorageError } from "../../storage-error.js";
import { CODEX_API_PREFIX, LOGOS_STORAGE_API_PREFIX } from "./options.js";
import { parseRetryAfter } from "./retry-after.js";

/** What a call was doing, for error messages and details. */
export interface CallContext {
  readonly operation: "put" | "get" | "has" | "delete" | "space" | "manifest";
  readonly method: string;
  readonly path: string;
  readonly location: string;
  readonly cid?: string;
  /** A put's body size, when known (for a 413's message). */
  readonly bytes?: number;
  /** The URL carried a user name or password (sent as Basic auth; for a 401's message, never shown). */
  readonly withCredentials?: boolean;
}

/** Codex error bodies are plain text (often labelled text/html, sometimes empty). */
const SHOWN_BODY_CHARS = 200;
const KEPT_BODY_CHARS = 1024;

function cleanBody(text: string, max: number): string {
  // The body comes from the network: strip control characters before it reaches a log or terminal.
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/**
 * A node's error bodies are plain strings; markup is a page from something in between (a captive
 * portal's login page), whose links carry its session token and the device's MAC address: named,
 * never quoted, in messages (journaled, logged) or details.
 */
function isPage(body: string): boolean {
  return /^\s*</.test(body);
}

/** What sign-in pages answer instead of the node; the advice every such message gives. */
export const SIGN_IN_HINT = "a Wi-Fi network that wants a sign-in first (a hotel's, an airport's: a captive portal) answers so in the node's place; sign in, and transfers retry by themselves";

function describe(status: number, body: string): string {
  if (isPage(body)) return `HTTP ${status}, an HTML page (not shown)`;
  const shown = cleanBody(body, SHOWN_BODY_CHARS);
  return shown === "" ? `HTTP ${status}, empty body` : `HTTP ${status}: ${JSON.stringify(shown)}`;
}

function target(ctx: CallContext): string {
  return ctx.cid === undefined ? `${ctx.method} ${ctx.path}` : `${ctx.operation} ${ctx.cid}`;
}

const PREFIX_HINT = `check apiPrefix (current Logos Storage nodes serve ${LOGOS_STORAGE_API_PREFIX}, older Codex nodes ${CODEX_API_PREFIX})`;

/** Redirects that say "elsewhere for now" (302, 303, 307): what a captive portal answers before login. */
const TEMPORARY_REDIRECTS = new Set([302, 303, 307]);

/**
 * What a node answers (500) to an upload it has no room for: nim-codex's store() reports any block
 * it could not write as "Unable to store block <cid>" (its repo over --storage-quota, or its disk
 * full), and the repo's own "Quota usage would exceed the limit. …" comes through when the manifest
 * block is the one that does not fit.
 */
const NODE_FULL = /^\s*Unable to store block\b|\bquota\b/i;

/**
 * What a node answers a network download (500: retrieveCid sends error.msg as it is) when no peer
 * gave it the dataset's manifest block; the manifest route answers the same with 404. The node
 * searched its peers for as long as it does: asking it again searches as long again. Two spellings,
 * matched whole (any other text, even one around them, is some other failure):
 * - "Error retries exhausted": the block exchange's RetriesExhaustedError, after DefaultBlockRetries
 *   tries (engine.nim, since the retry rework of February 2025);
 * - "Timeout exceeded!": before it, node.nim retrieve passed on fetchManifest's AsyncTimeoutError,
 *   chronos' wait() text, once the pending block's DefaultBlockTimeout (10 minutes) ran out; it is
 *   the only network step before a download's headers there, so no other timeout answers so.
 */
const NO_PEER_HAS_IT = /^(?:Error retries exhausted|Timeout exceeded!)$/;

/** Statuses that say "try again later" although they are 4xx. */
const TRANSIENT_4XX = new Set([408, 425, 429]);

/**
 * 5xx that say the endpoint does not do this at all, not that it failed this time: 501 (the method
 * is not implemented: a proxy that does not pass POST on) and 505 (the HTTP version is refused).
 * The same answer comes on every attempt.
 */
const PERMANENT_5XX = new Set([501, 505]);

/**
 * Maps a non-2xx answer to the typed error the retry loop classifies:
 * 404 → E_NOT_FOUND (for calls about a CID), 400 on a CID path → E_BAD_CID, other 4xx →
 * E_BACKEND_REJECTED (not retried), as are 501 and 505 and a 3xx other than a temporary redirect
 * (redirects are not followed), a put's 500 that says the node's storage is full and any 507 → E_QUOTA_EXCEEDED (not retried there),
 * other 5xx, 302/303/307 and the rest → E_BACKEND_HTTP (retried).
 */
/** The host a redirect points to (never its path or query, which a portal fills with session data). */
function redirectHost(location: string | undefined): string | undefined {
  if (location === undefined) return undefined;
  try {
    return new URL(location).host || undefined;
  } catch {
    return undefined;
  }
}

export function httpStatusError(
  status: number,
  body: string,
  ctx: CallContext,
  retryAfter?: string | readonly string[],
  answerDate?: string,
  location?: string,
): StorageError {
  const details = {
    status,
    body: isPage(body) ? "(an HTML page, not kept)" : cleanBody(body, KEPT_BODY_CHARS),
    method: ctx.method,
    path: ctx.path,
    ...(ctx.cid === undefined ? {} : { cid: ctx.cid }),
  };
  const what = describe(status, body);
  // The node's 404 is plain text; a page is a proxy's that does not route the API (its URL or location is wrong), not missing content.
  if (status === 404 && ctx.cid !== undefined && (ctx.operation === "get" || ctx.operation === "manifest") && !isPage(body)) {
    return new StorageError(
      "E_NOT_FOUND",
      `Codex node ${ctx.location} has no content under CID ${ctx.cid} (${what}). Check the CID and that a peer holding it is reachable; if every call 404s, ${PREFIX_HINT}.`,
      { details },
    );
  }
  if (status === 500 && ctx.cid !== undefined && ctx.operation === "get" && NO_PEER_HAS_IT.test(body)) {
    return new StorageError(
      "E_NOT_FOUND",
      `Codex node ${ctx.location} searched its peers for CID ${ctx.cid} and gave up (${what}): none of them gave it the content. Check the CID and that a peer holding it is reachable; another endpoint may have it.`,
      { details },
    );
  }
  if (status === 404) {
    return new StorageError(
      "E_BACKEND_REJECTED",
      `Codex node ${ctx.location} does not know ${ctx.method} ${ctx.path} (${what}); ${PREFIX_HINT}.`,
      { details },
    );
  }
  // The node's 400 is a plain "Incorrect Cid"; a page is a proxy's 400 for its own reasons (nginx: plain http sent to its https port).
  if (status === 400 && ctx.cid !== undefined && !isPage(body)) {
    return new StorageError("E_BAD_CID", `Codex node ${ctx.location} rejected CID ${ctx.cid} as malformed (${what}).`, { details });
  }
  if (TEMPORARY_REDIRECTS.has(status)) {
    // Not followed either, but temporary: a captive portal sends these until the user logs in.
    const host = redirectHost(location);
    return new StorageError(
      "E_BACKEND_HTTP",
      `Codex node ${ctx.location} answered ${target(ctx)} with a temporary redirect${host === undefined ? "" : ` to ${host}`} (${what}), which is not followed: a node never sends one, but ${SIGN_IN_HINT}.`,
      { details },
    );
  }
  if (status === 511) {
    // "Network Authentication Required" (RFC 6585): what a captive portal that follows the RFC answers.
    return new StorageError("E_BACKEND_HTTP", `Codex node ${ctx.location} was not reached for ${target(ctx)} (${what}): ${SIGN_IN_HINT}.`, { details });
  }
  if (status >= 300 && status < 400) {
    // Redirects are not followed (a node never sends one), and a permanent one is given again on every attempt.
    return new StorageError(
      "E_BACKEND_REJECTED",
      `Codex node ${ctx.location} answered ${target(ctx)} with a redirect (${what}), which is not followed; point the URL where it leads (http → https?).`,
      { details },
    );
  }
  if (status === 401) {
    // A gateway in front of the node wants Basic auth (the URL's user:password@); never show what was sent.
    return new StorageError(
      "E_BACKEND_REJECTED",
      `Codex node ${ctx.location} wants credentials for ${target(ctx)} (${what}): ${ctx.withCredentials === true ? "those in the endpoint's URL were refused (changed on the gateway?)" : "the endpoint's URL carries none"}; give the endpoint's URL as http(s)://user:password@host. Retrying will not help.`,
      { details },
    );
  }
  if (status === 413) {
    // A reverse proxy's body limit (nginx's default is 1 MiB) below the client's pieces: every upload is refused alike.
    const size = ctx.bytes === undefined ? "this upload" : `an upload of ${ctx.bytes} bytes`;
    return new StorageError(
      "E_BACKEND_REJECTED",
      `Codex node ${ctx.location} refused ${size} as too large (${what}): the node, or a proxy in front of it, has a body size limit below it; raise that limit (nginx: client_max_body_size) or give the client a smaller pieceSize. Retrying will not help.`,
      { details },
    );
  }
  if (status >= 400 && status < 500 && !TRANSIENT_4XX.has(status)) {
    return new StorageError("E_BACKEND_REJECTED", `Codex node ${ctx.location} refused ${target(ctx)} (${what}); retrying will not help.`, {
      details,
    });
  }
  if (PERMANENT_5XX.has(status)) {
    return new StorageError("E_BACKEND_REJECTED", `Codex node ${ctx.location} does not support ${target(ctx)} (${what}): the node, or a proxy in front of it, does not implement it; retrying will not help.`, {
      details,
    });
  }
  if (status === 500 && ctx.operation === "put" && NODE_FULL.test(body)) {
    // A full node stays full for longer than a job's retries: another endpoint, or the user, has to act.
    return new StorageError(
      "E_QUOTA_EXCEEDED",
      `Codex node ${ctx.location} could not store the upload (${what}): the node's storage is full (its --storage-quota or its disk); free space on the node or raise its quota, or use another endpoint. Retrying on it will not help until then.`,
      { details },
    );
  }
  if (status === 507) {
    // Insufficient Storage (RFC 4918): the node, or a proxy in front of it, has no room; like a full node's 500, it does not clear within a job's retries.
    const work = ctx.operation === "put" ? "the upload" : target(ctx);
    return new StorageError(
      "E_QUOTA_EXCEEDED",
      `Codex node ${ctx.location} could not store ${work} (${what}): its storage, or that of a proxy in front of it, is full; free space there or use another endpoint. Retrying on it will not help until then.`,
      { details },
    );
  }
  // A gateway in front of the node (nginx, a public endpoint's load balancer) may say when to come back.
  const retryAfterMs = parseRetryAfter(retryAfter, Date.now(), answerDate);
  if (retryAfterMs !== undefined) {
    return new StorageError(
      "E_BACKEND_HTTP",
      `Codex node ${ctx.location} failed ${target(ctx)} (${what}) and asked to be called again in ${Math.ceil(retryAfterMs / 1000)} s (Retry-After).`,
      { details: { ...details, retryAfterMs } },
    );
  }
  return new StorageError("E_BACKEND_HTTP", `Codex node ${ctx.location} failed ${target(ctx)} (${what}); worth another attempt.`, {
    details,
  });
}

/** A 2xx answer whose body is not what the API documents. */
export function malformedAnswer(ctx: CallContext, problem: string, cause?: unknown): StorageError {
  return new StorageError("E_BACKEND_HTTP", `Codex node ${ctx.location} gave an unexpected answer to ${target(ctx)}: ${problem}.`, {
    ...(cause === undefined ? {} : { cause }),
    details: { status: 200, method: ctx.method, path: ctx.path, ...(ctx.cid === undefined ? {} : { cid: ctx.cid }) },
  });
}

/**
 * A 2xx whose body is still encoded (Content-Encoding gzip, br, …) although every request asks for
 * identity: a proxy in front of the node that compresses whatever passes (nginx `gzip on`, a CDN). A
 * node never encodes; taken as it is, the compressed bytes were handed out as the content or parsed
 * as a CID. The proxy does so on every attempt, so it is not retried there.
 */
export function encodedAnswer(ctx: CallContext, encoding: string): StorageError {
  const shown = cleanBody(encoding, 40);
  return new StorageError(
    "E_BACKEND_REJECTED",
    `Codex node ${ctx.location} answered ${target(ctx)} with its body encoded (Content-Encoding: ${shown}) although the request asked for identity: a proxy in front of the node compresses the API's answers; turn that off for the API's path (nginx: gzip off). Retrying will not help.`,
    { details: { status: 200, method: ctx.method, path: ctx.path, encoding: shown, ...(ctx.cid === undefined ? {} : { cid: ctx.cid }) } },
  );
}
