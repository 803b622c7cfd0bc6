import { resolve } from "node:path";
import { describedValue } from "../errors/index.js";
import type { StorageBackend } from "./backend.js";
import { CODEX_API_PREFIX, LOGOS_STORAGE_API_PREFIX } from "./backends/codex/api-prefixes.js";
import type { StorageClientOptions } from "./client-options.js";
import { StorageError } from "./storage-error.js";

// What the StorageClient constructor checks of its options besides their keys (option-keys.ts): each
// refusal is E_UNSUPPORTED naming the option, where the value failed later with a raw TypeError or
// was read as something else.

/**
 * dataDir and statePath as folders' and files' paths: missing or not a string (a setting read from
 * the environment or a file that is unset), start() failed with Node's raw TypeError ("The
 * "paths[0]" argument must be of type string"), naming neither option; empty, dataDir was the
 * working folder, which the client filled with its cache and spool folders and lock.
 */
export function refuseUnusablePaths(options: StorageClientOptions): void {
  const dataDir: unknown = options.dataDir;
  if (typeof dataDir !== "string" || dataDir.trim() === "") {
    throw new StorageError(
      "E_UNSUPPORTED",
      `the storage client needs its data directory (options.dataDir, a folder's path: where it keeps cached downloads, spooled shares and temp files); it was given ${describedValue(dataDir)}`,
      { details: { option: "dataDir" } },
    );
  }
  const statePath: unknown = options.statePath;
  if (options.state === undefined && (typeof statePath !== "string" || statePath.trim() === "")) {
    throw new StorageError("E_UNSUPPORTED", `the storage client needs its state database (options.statePath, a file's path, or options.state); it was given statePath ${describedValue(statePath)}`, {
      details: { option: "statePath" },
    });
  }
}

/** What every StorageBackend has; a value without them is not one. */
const BACKEND_METHODS = ["put", "get", "has", "delete", "space", "close"] as const;

/**
 * Its two texts, read before any method: the duplicate check below, the spread order and every log
 * line read `location`. Without them an app's own backend failed with Node's raw TypeError ("The
 * "paths[0]" argument must be of type string") from the constructor.
 */
const BACKEND_TEXTS = ["kind", "location"] as const;

/** What `value`, an object, lacks of a backend's methods and texts, in that order. */
function lackingMembers(value: Record<string, unknown>): string[] {
  return [...BACKEND_METHODS.filter((m) => typeof value[m] !== "function"), ...BACKEND_TEXTS.filter((t) => typeof value[t] !== "string")];
}

/**
 * `backend` and each of `endpoints` must be backends, `endpoints` an array: a node's URL given for
 * one (`backend: "http://127.0.0.1:8080"`, from a settings file) or a single backend for the list
 * failed at start() or at the first transfer with a raw TypeError ("is not iterable",
 * "put is not a function").
 */
export function refuseNonBackends(options: StorageClientOptions): void {
  const { backend, endpoints } = options as { backend?: unknown; endpoints?: unknown };
  const given = (value: unknown): string =>
    typeof value === "string"
      ? `the string ${JSON.stringify(value)} (make a backend of a node's URL with createCodexBackend({ url }))`
      : typeof value === "object" && value !== null && !Array.isArray(value)
        ? `an object without ${lackingMembers(value as Record<string, unknown>).join(", ")}`
        : describedValue(value);
  const isBackend = (value: unknown): boolean =>
    typeof value === "object" && value !== null && !Array.isArray(value) && lackingMembers(value as Record<string, unknown>).length === 0;
  if (backend !== undefined && !isBackend(backend)) {
    throw new StorageError("E_UNSUPPORTED", `storage client option backend must be a storage backend (createLocalBackend, createCodexBackend), not ${given(backend)}`, {
      details: { option: "backend" },
    });
  }
  if (endpoints === undefined) return;
  if (!Array.isArray(endpoints)) {
    throw new StorageError("E_UNSUPPORTED", `storage client option endpoints must be an array of storage backends, not ${isBackend(endpoints) ? "one backend (put it in [ ])" : given(endpoints)}`, {
      details: { option: "endpoints" },
    });
  }
  // Every index, holes too (forEach skips them: `list[2] = b` on a list of one passed, and its hole was a raw TypeError later).
  for (let i = 0; i < endpoints.length; i++) {
    const endpoint: unknown = endpoints[i];
    if (!isBackend(endpoint)) {
      throw new StorageError("E_UNSUPPORTED", `storage client option endpoints[${i}] must be a storage backend (createCodexBackend), not ${given(endpoint)}`, {
        details: { option: "endpoints" },
      });
    }
  }
}

/**
 * `full` (left out) or `light`, nothing else: any other value ("lite", "Light", "mobile" from an
 * app's settings) ran the client in full mode, a phone keeping a cache and retrying as a desktop.
 */
export function modeOf(mode: unknown): "full" | "light" {
  if (mode === undefined || mode === "full" || mode === "light") return mode ?? "full";
  throw new StorageError("E_UNSUPPORTED", `storage client option mode must be "full" (the default) or "light", not ${describedValue(mode)}`, {
    details: { option: "mode" },
  });
}

/**
 * `spread` (left out) or `listed`, nothing else, as `mode`: any other value ("Listed", "random" from
 * an app's settings) was a raw RangeError from start(), after the data folder, the lock and the
 * state database had been made.
 */
export function refuseUnknownEndpointOrder(order: unknown): void {
  if (order === undefined || order === "spread" || order === "listed") return;
  throw new StorageError("E_UNSUPPORTED", `storage client option endpointOrder must be "spread" (the default) or "listed", not ${describedValue(order)}`, {
    details: { option: "endpointOrder" },
  });
}

/** Light mode runs no local node: a backend, or an endpoint that stores in this process, is refused, naming the option as the other checks do. */
export function refuseLocalStorage(options: StorageClientOptions): void {
  if (options.backend !== undefined) {
    throw new StorageError("E_UNSUPPORTED", "light mode runs no local node: pass remote endpoints in options.endpoints, not options.backend", {
      details: { option: "backend" },
    });
  }
  (options.endpoints ?? []).forEach((endpoint, i) => {
    if (endpoint.hashesInProcess !== undefined) {
      throw new StorageError("E_UNSUPPORTED", `light mode takes remote endpoints only; endpoints[${i}], the ${endpoint.kind} store at ${endpoint.location}, runs in this process`, {
        details: { option: "endpoints", entry: `endpoints[${i}]`, kind: endpoint.kind },
      });
    }
  });
}

/**
 * Where an endpoint stores, spelled one way: an http(s) URL with its host in lower case, its default
 * port left out and no trailing slash, without user, password, query or fragment (one node reached
 * with other credentials is still that node, and none of them is shown), followed by what a Codex
 * backend's API path has before the API's own prefix (a proxy that mounts nodes by `apiPrefix`,
 * `/n1/api/codex/v1` and `/n2/api/codex/v1`, reaches two; `/api/codex/v1` and `/api/storage/v1`
 * are one node's two names for its API); a folder as an absolute path.
 */
function whereItStores(backend: StorageBackend): string {
  const mount = mountOf((backend as { basePath?: unknown }).basePath);
  try {
    const url = new URL(backend.location);
    if (url.protocol === "http:" || url.protocol === "https:") return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}${mount}`;
  } catch {
    // Not a URL: a local store's folder.
  }
  return resolve(backend.location);
}

/** A Codex backend's API path without the API's own prefix at its end: where a proxy mounts the node ("" for none). */
function mountOf(basePath: unknown): string {
  if (typeof basePath !== "string") return "";
  const prefix = [CODEX_API_PREFIX, LOGOS_STORAGE_API_PREFIX].find((known) => basePath.endsWith(known));
  return (prefix === undefined ? basePath : basePath.slice(0, basePath.length - prefix.length)).replace(/\/+$/, "");
}

/**
 * No endpoint twice (the same backend object, or two whose locations name one node: a trailing
 * slash, the default port written out, an upper-case host, the node's URL and its API's server URL).
 * Taken, failover "moved on" from a failing node to itself, retrying there as if elsewhere, the
 * spread order ranked one node twice, and the failure memory (one line per location) mixed the two.
 * `named` pairs each backend with the option entry it came from (`backend`, `endpoints[2]`).
 */
export function refuseDuplicateEndpoints(named: ReadonlyArray<{ entry: string; backend: StorageBackend }>): void {
  const seen = new Map<string, string>();
  const objects = new Map<StorageBackend, string>();
  for (const { entry, backend } of named) {
    const where = whereItStores(backend);
    const first = objects.get(backend) ?? seen.get(where);
    if (first !== undefined) {
      throw new StorageError(
        "E_UNSUPPORTED",
        `storage client option endpoints names one endpoint twice: ${first} and ${entry} are both ${where}; list each node once (a node tried twice is no failover)`,
        { details: { option: "endpoints", entries: [first, entry], location: where } },
      );
    }
    seen.set(where, entry);
    objects.set(backend, entry);
  }
}
