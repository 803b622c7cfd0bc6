/**
 * Shared set-up for the Codex backend tests: a test server (and optionally a fault proxy) plus
 * backends, all closed when the current test finishes.
 *
 *   const { server, backend } = await codexSetup({ requestTimeoutMs: 500 });
 */
import { onTestFinished, expect } from "vitest";
import { createCodexBackend, type CodexBackend, type CodexBackendOptions } from "../../src/storage/backends/codex/index.js";
import { StorageError, type StorageErrorCode } from "../../src/storage/storage-error.js";
import { startCodexTestServer, type CodexTestServer, type CodexTestServerOptions } from "../support/codex-server/index.js";
import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from "../support/fault-proxy/index.js";
import type { FinishedHook } from "../support/temp-dir.js";

export interface CodexSetup {
  server: CodexTestServer;
  backend: CodexBackend;
  /** Another backend on the same server (other options), closed with the test. */
  backendWith(options: Partial<CodexBackendOptions>): CodexBackend;
}

/** A concurrent test (`test.concurrent`) passes its context's `onTestFinished` as `finished` (see tempDir). */
export async function codexSetup(
  backendOptions: Partial<CodexBackendOptions> = {},
  serverOptions: CodexTestServerOptions = {},
  finished: FinishedHook = onTestFinished,
): Promise<CodexSetup> {
  const server = await startCodexTestServer(serverOptions);
  finished(() => server.close());
  const backendWith = (options: Partial<CodexBackendOptions>): CodexBackend => {
    const backend = createCodexBackend({ url: server.url, ...options });
    finished(() => backend.close());
    return backend;
  };
  return { server, backend: backendWith(backendOptions), backendWith };
}

export async function proxySetup(
  proxyOptions: Omit<FaultProxyOptions, "target"> = {},
  backendOptions: Partial<CodexBackendOptions> = {},
): Promise<{ server: CodexTestServer; proxy: FaultProxy; backend: CodexBackend; direct: CodexBackend }> {
  const { server, backend: direct } = await codexSetup();
  const proxy = await startFaultProxy({ target: server.url, ...proxyOptions });
  onTestFinished(() => proxy.close());
  const backend = createCodexBackend({ url: proxy.url, ...backendOptions });
  onTestFinished(() => backend.close());
  return { server, proxy, backend, direct };
}

export async function collect(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/** Settles `run` and returns its StorageError, failing the test unless the code is one of `codes`. */
export async function storageError(run: Promise<unknown> | (() => Promise<unknown>), ...codes: StorageErrorCode[]): Promise<StorageError> {
  const promise = typeof run === "function" ? run() : run;
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a StorageError ${codes.join(" | ")}`).toBeInstanceOf(StorageError);
  expect(codes).toContain((error as StorageError).code);
  return error as StorageError;
}

/** Reads a whole download; returns its error (or undefined) and how many bytes came first. */
export async function drain(body: AsyncIterable<Uint8Array>): Promise<{ received: number; error: unknown }> {
  let received = 0;
  try {
    for await (const chunk of body) received += chunk.byteLength;
  } catch (error) {
    return { received, error };
  }
  return { received, error: undefined };
}

/**
 * Polls `check` until it holds (or `ms` pass); for asynchronous effects such as sockets closing.
 * Generous by default: it returns as soon as the check holds, and a loaded machine can be slow to.
 */
export async function eventually(check: () => boolean, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

export function pattern(length: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
