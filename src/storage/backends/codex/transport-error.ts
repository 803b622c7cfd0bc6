import { StorageError } from "../../storage-error.js";
import type { CallContext } from "./http-status-error.js";

/** Why an exchange was torn down on purpose; it decides the error, whatever the socket then says. */
export type Failure =
  | { readonly kind: "aborted"; readonly reason: unknown }
  | { readonly kind: "timeout"; readonly phase: "headers" | "upload" | "body"; readonly ms: number; readonly whole?: boolean }
  | { readonly kind: "closed" }
  | { readonly kind: "source"; readonly error: unknown }
  | { readonly kind: "size"; readonly declared: number; readonly actual: number };

/** Socket-level codes that mean "could not talk to the node" (before any answer). */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ETIMEDOUT",
  "ECONNABORTED",
  "EADDRNOTAVAIL",
]);

/**
 * TLS verification failures (OpenSSL's X509 names, plus Node's host-name check). Nothing is sent
 * over such a connection, but the failure is not taken as final: the certificate a device sees
 * depends on the network it is on and on its own clock, both of which change while the endpoint does
 * not. A captive portal (a hotel's or an airport's Wi-Fi before its sign-in) answers every https
 * connection with its own certificate, and a phone's clock is put right by network time; a
 * permanent refusal failed every share made meanwhile for good. A certificate that is really wrong
 * costs a few handshakes per job instead (the pool steers later attempts away from it).
 */
const CERTIFICATE_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "INVALID_CA",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The certificate codes that depend on the device's clock as much as on the certificate. */
const CLOCK_CERTIFICATE_CODES = new Set(["CERT_NOT_YET_VALID", "CERT_HAS_EXPIRED"]);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** An abort whose reason is a TimeoutError (AbortSignal.timeout, linkedSignal) is the caller's attempt deadline. */
function isTimeoutReason(reason: unknown): boolean {
  return (reason as { name?: unknown } | null)?.name === "TimeoutError";
}

export function abortError(reason: unknown, ctx: CallContext): StorageError {
  if (isTimeoutReason(reason)) {
    // The caller's reason says which limit and why (too slow to make the deadline, no progress for so long): keep it.
    const why = (reason as { message?: unknown }).message;
    return new StorageError("E_TIMEOUT", `${ctx.operation} on Codex node ${ctx.location} ran out of time (the caller's deadline fired${typeof why === "string" && why !== "" ? `: ${why}` : ""}).`, {
      cause: reason,
      details: { method: ctx.method, path: ctx.path, phase: "caller" },
    });
  }
  return new StorageError("E_ABORTED", `${ctx.operation} on Codex node ${ctx.location} was aborted by the caller.`, {
    cause: reason,
    details: { method: ctx.method, path: ctx.path },
  });
}

const PHASE_TEXT = {
  headers: "no answer arrived",
  upload: "the node stopped accepting upload bytes",
  body: "the node stopped sending the body",
} as const;

/** The typed error for a deliberate teardown. Source errors are the caller's own and pass through. */
export function failureError(failure: Failure, ctx: CallContext): unknown {
  switch (failure.kind) {
    case "aborted":
      return abortError(failure.reason, ctx);
    case "timeout":
      return new StorageError(
        "E_TIMEOUT",
        `${ctx.operation}${ctx.cid === undefined ? "" : ` ${ctx.cid}`} on Codex node ${ctx.location}: ${failure.whole === true ? "the answer did not arrive whole within" : `${PHASE_TEXT[failure.phase]} for`} ${failure.ms} ms; gave up (a node can wait minutes for a missing block).`,
        { details: { method: ctx.method, path: ctx.path, phase: failure.phase, timeoutMs: failure.ms } },
      );
    case "closed":
      return new StorageError("E_CLIENT_CLOSED", `${ctx.operation} on Codex node ${ctx.location} was cut short: the backend was closed.`, {
        details: { method: ctx.method, path: ctx.path },
      });
    case "size":
      // The caller's body disagreed with the size it announced; no CID may be issued for it.
      return new StorageError(
        "E_TRUNCATED",
        `put to Codex node ${ctx.location}: the body had ${failure.actual}${failure.actual > failure.declared ? "+" : ""} bytes but size said ${failure.declared}; nothing was stored.`,
        { details: { declared: failure.declared, actual: failure.actual } },
      );
    case "source":
      return failure.error;
  }
}

/**
 * A socket or parser error. Before the headers it means the node could not be reached (refused,
 * reset, DNS); after them, the body ended early.
 */
export function socketError(error: unknown, phase: "request" | "body", ctx: CallContext, progress?: { received: number; expected: number }): StorageError {
  const code = errorCode(error);
  const details = { method: ctx.method, path: ctx.path, ...(code === undefined ? {} : { errno: code }), ...(progress ?? {}) };
  if (code !== undefined && code.startsWith("HPE_")) {
    return new StorageError("E_BACKEND_HTTP", `Codex node ${ctx.location} sent a malformed HTTP response to ${ctx.method} ${ctx.path} (${code}).`, {
      cause: error,
      details,
    });
  }
  if (phase === "body" && progress === undefined) {
    const call = ctx.cid === undefined ? `${ctx.method} ${ctx.path}` : `${ctx.operation} ${ctx.cid}`;
    return new StorageError("E_TRUNCATED", `The answer to ${call} from Codex node ${ctx.location} broke off${code === undefined ? "" : ` (${code})`}; try again.`, {
      cause: error,
      details,
    });
  }
  if (phase === "body") {
    const got = progress === undefined ? "" : ` after ${progress.received} of ${progress.expected} bytes`;
    return new StorageError("E_TRUNCATED", `Download of ${ctx.cid ?? ctx.path} from Codex node ${ctx.location} broke off${got}${code === undefined ? "" : ` (${code})`}; try again.`, {
      cause: error,
      details,
    });
  }
  if (code !== undefined && CLOCK_CERTIFICATE_CODES.has(code)) {
    // Judged by the device's clock: a valid certificate looks so to a phone whose date is wrong (reset after a dead battery, before network time).
    return new StorageError(
      "E_BACKEND_UNREACHABLE",
      `Codex node ${ctx.location} presented a TLS certificate that is ${code === "CERT_NOT_YET_VALID" ? "not valid yet" : "expired"} by this device's clock (${code}: ${(error as Error).message}); check the device's date and time (now ${new Date().toISOString()}); if they are right, a Wi-Fi network that wants a sign-in first may be answering in the node's place (sign in; transfers retry by themselves), else the endpoint's certificate is wrong.`,
      { cause: error, details },
    );
  }
  if (code !== undefined && CERTIFICATE_CODES.has(code)) {
    return new StorageError(
      "E_BACKEND_UNREACHABLE",
      `Codex node ${ctx.location} could not be reached safely: the TLS certificate that answered does not verify (${code}: ${(error as Error).message}). A Wi-Fi network that wants a sign-in first (a hotel's, an airport's) answers so in the node's place: sign in, and transfers retry by themselves. If this network needs none, the endpoint's certificate or its URL is wrong.`,
      { cause: error, details },
    );
  }
  if (code !== undefined && ctx.location.startsWith("https:") && (code === "EPROTO" || code.startsWith("ERR_SSL_"))) {
    // OpenSSL's message is a multi-line record dump; its reason is what matters. "wrong version number": the other end spoke plain http.
    const plain = /wrong version number/i.test((error as Error | null)?.message ?? "");
    return new StorageError(
      "E_BACKEND_UNREACHABLE",
      plain
        ? `Codex node ${ctx.location} could not be reached safely: something answered plain http where TLS was expected (${code}: wrong version number). A Wi-Fi network that wants a sign-in first (a hotel's, an airport's) answers so in the node's place: sign in, and transfers retry by themselves. If this network needs none, the endpoint may serve http, not https: check its URL.`
        : `Codex node ${ctx.location} could not be reached safely: the TLS handshake failed (${code}); a Wi-Fi network that wants a sign-in first may be answering in the node's place (sign in, and transfers retry by themselves), else check the endpoint's URL and TLS setup.`,
      { cause: error, details },
    );
  }
  const why = code !== undefined && UNREACHABLE_CODES.has(code) ? code : ((error as Error | null)?.message ?? String(error));
  return new StorageError("E_BACKEND_UNREACHABLE", `Cannot reach Codex node ${ctx.location} for ${ctx.method} ${ctx.path} (${why}); is the node running and the URL right?`, {
    cause: error,
    details,
  });
}
