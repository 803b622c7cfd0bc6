import type { Logger } from "../../../obs/index.js";
import { silentLogger, componentLogger } from "../../../obs/index.js";
import { describedValue } from "../../../errors/index.js";
import { refuseNonLogger } from "../../object-options.js";
import { StorageError } from "../../storage-error.js";
import { CODEX_API_PREFIX, LOGOS_STORAGE_API_PREFIX } from "./api-prefixes.js";
import { keysOf, optionsObject } from "../../option-keys.js";

export { CODEX_API_PREFIX, LOGOS_STORAGE_API_PREFIX };

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** setTimeout's ceiling; a larger delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface CodexBackendOptions {
  /**
   * Base URL of the node's REST API, e.g. `http://127.0.0.1:8080`. A path is kept (a reverse proxy
   * may mount the API below one); one that ends in `/api/codex/v1` or `/api/storage/v1` (the server
   * URL of the node's openapi.yaml) is that prefix, and the node's URL before it, unless `apiPrefix`
   * names another. Credentials in the URL are sent as HTTP Basic auth (the SDK's
   * reverse-proxy auth) and never appear in `location` or in logs.
   */
  url: string;
  /** `/api/codex/v1` (default) or `/api/storage/v1` for current Logos Storage nodes. */
  apiPrefix?: string;
  /**
   * Longest wait, in ms, for the response headers of any call (counted from the end of the upload
   * for `put`) and for the short text/JSON answers. Default 30 000.
   */
  requestTimeoutMs?: number;
  /**
   * Longest gap, in ms, without progress while a body streams in either direction (a node can
   * stall mid-stream for minutes on a missing block). Default: `requestTimeoutMs`.
   */
  idleTimeoutMs?: number;
  logger?: Logger;
}

export interface ResolvedCodexOptions {
  readonly protocol: "http:" | "https:";
  readonly hostname: string;
  readonly port: number;
  /** URL path below which the API lives: the URL's own path plus the prefix, no trailing slash. */
  readonly basePath: string;
  readonly authorization: string | undefined;
  /** The base URL without credentials, for logs and error messages. */
  readonly location: string;
  readonly requestTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly logger: Logger;
}

function configError(option: string, message: string): StorageError {
  // No code fits configuration mistakes exactly; E_BACKEND_REJECTED is the non-retryable one.
  return new StorageError("E_BACKEND_REJECTED", message, { details: { option } });
}

function timeoutOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0 || value > MAX_TIMER_MS) {
    // From a settings file a timeout is often text: "got 30000." read as a value in range.
    throw configError(name, `Codex backend option ${name} must be a whole number of milliseconds between 1 and ${MAX_TIMER_MS}; got ${describedValue(value)}.`);
  }
  return value;
}

function normalisePrefix(prefix: unknown): string {
  // Not text (a number, null from a settings file): Node's "prefix.trim is not a function" said nothing of the option.
  if (typeof prefix !== "string") {
    throw configError("apiPrefix", `Codex backend option apiPrefix must be a URL path (${CODEX_API_PREFIX} or ${LOGOS_STORAGE_API_PREFIX}), not ${describedValue(prefix)}.`);
  }
  const trimmed = prefix.trim().replace(/\/+$/, "");
  if (trimmed === "") return "";
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(trimmed)) {
    throw configError("apiPrefix", `Codex API prefix '${prefix}' is not a URL path; use ${CODEX_API_PREFIX} or ${LOGOS_STORAGE_API_PREFIX}.`);
  }
  return trimmed;
}

/** A URL's user name or password, percent-decoded; the text itself never goes into the error. */
function credential(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw configError("url", "the user name or password in the Codex API URL has a '%' that is not a percent-escape; write a literal % as %25.");
  }
}

/**
 * A URL that ends in a known API path (the server URL of a node's openapi.yaml,
 * `http://127.0.0.1:8080/api/storage/v1`, which an app's configuration copies) is the node's URL
 * plus that prefix. Taken as a reverse proxy's path, it got the default prefix appended again
 * (`…/api/storage/v1/api/codex/v1/data`), and every call failed E_BACKEND_REJECTED (404), the
 * message pointing at apiPrefix though the URL was the cause. An apiPrefix given that is not the
 * URL's ending keeps the URL's path whole (a proxy that mounts a node's API below such a path).
 * The CLI's --codex-url did this already (src/cli/commands/file.ts).
 */
function splitApiPath(path: string, apiPrefix: string | undefined): { urlPath: string; prefix: string } {
  const known = [CODEX_API_PREFIX, LOGOS_STORAGE_API_PREFIX].find((candidate) => path.endsWith(candidate));
  if (known === undefined || (apiPrefix !== undefined && apiPrefix !== known)) return { urlPath: path, prefix: apiPrefix ?? CODEX_API_PREFIX };
  return { urlPath: path.slice(0, path.length - known.length), prefix: known };
}

const CODEX_OPTIONS = keysOf<CodexBackendOptions>()({ url: true, apiPrefix: true, requestTimeoutMs: true, idleTimeoutMs: true, logger: true });

export function resolveCodexOptions(options: CodexBackendOptions): ResolvedCodexOptions {
  // A misspelt timeout (timeoutMs) left the 30 s default on a link that needs more.
  options = optionsObject("createCodexBackend", options, CODEX_OPTIONS, "E_BACKEND_REJECTED");
  refuseNonLogger("createCodexBackend", options.logger);
  // Missing or no string (a port number, an empty settings value): "is not a valid URL" spoke of a string that did not parse.
  const given: unknown = options.url;
  if (typeof given !== "string" && !(given instanceof URL)) {
    throw configError("url", `createCodexBackend option url must be the node's URL as a string, such as http://127.0.0.1:8080, not ${describedValue(given)}`);
  }
  let url: URL;
  try {
    url = new URL(options.url);
  } catch (cause) {
    throw new StorageError("E_BACKEND_REJECTED", `Codex API URL is not a valid URL; expected something like http://127.0.0.1:8080.`, {
      cause,
      details: { option: "url" },
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw configError("url", `Codex API URL must use http: or https:, not ${url.protocol}`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw configError("url", "Codex API URL must not carry a query or fragment; pass the node's base URL.");
  }
  const authorization =
    url.username !== "" || url.password !== "" ? `Basic ${Buffer.from(`${credential(url.username)}:${credential(url.password)}`).toString("base64")}` : undefined;
  const { urlPath, prefix } = splitApiPath(url.pathname.replace(/\/+$/, ""), options.apiPrefix === undefined ? undefined : normalisePrefix(options.apiPrefix));
  const requestTimeoutMs = timeoutOption("requestTimeoutMs", options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS);
  const idleTimeoutMs = timeoutOption("idleTimeoutMs", options.idleTimeoutMs, requestTimeoutMs);
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  return {
    protocol: url.protocol,
    // URL keeps IPv6 literals in brackets; the socket layer wants them bare.
    hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port,
    basePath: `${urlPath}${prefix}`,
    authorization,
    location: `${url.protocol}//${url.host}${urlPath}`,
    requestTimeoutMs,
    idleTimeoutMs,
    logger: componentLogger(options.logger ?? silentLogger(), "storage.codex"),
  };
}
