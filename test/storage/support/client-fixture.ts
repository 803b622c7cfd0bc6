import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, onTestFinished } from "vitest";
import { Sha256Offload } from "../../../src/crypto/index.js";
import { createLocalBackend, type LocalBackendOptions } from "../../../src/storage/backends/local/index.js";
import type { StorageBackend } from "../../../src/storage/backend.js";
import { StorageClient, type ShareResult, type StorageClientOptions, type TransferJob } from "../../../src/storage/index.js";
import { tempDir, type FinishedHook } from "../../support/temp-dir.js";

// A file using these fixtures ends holding nothing on the process's shared hashing worker: a local
// store or client left open keeps it referenced (and its thread alive). `users` is private; this peek is for tests only.
afterAll(() => {
  expect((Sha256Offload as unknown as { users: number }).users, "a local store or storage client was left open after the tests of this file").toBe(0);
});

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** Small pieces so a few hundred KiB already make several of them. */
export const SMALL_PIECES = { chunkSize: 4 * KiB, pieceSize: 32 * KiB } as const;

/** Quick retries: tests exercise the policy, not the wall clock. */
export const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50, attemptTimeoutMs: 5_000, deadlineMs: 60_000, maxAttempts: 20 } as const;

export interface ClientSetup {
  client: StorageClient;
  backend: StorageBackend;
  dir: string;
  statePath: string;
  dataDir: string;
}

/**
 * A started client over a local store in a fresh temp dir, stopped (and its store closed) after the
 * test. A concurrent test (`test.concurrent`) passes its context's `onTestFinished` as `finished`
 * (see tempDir).
 */
export async function startClient(overrides: Partial<StorageClientOptions> & { dir?: string; finished?: FinishedHook } = {}): Promise<ClientSetup> {
  // `dir` is the fixture's, not a client option (the client refuses keys it does not take).
  const { finished = onTestFinished, dir: givenDir, ...options } = overrides;
  const dir = givenDir ?? tempDir("scc-client-", finished);
  // Closed after the test even when the client refuses to start.
  const backend = options.backend ?? localStore(join(dir, "store"), {}, finished);
  const statePath = options.statePath ?? join(dir, "state.sqlite");
  const dataDir = options.dataDir ?? join(dir, "data");
  const client = await StorageClient.open({
    protocol: 3,
    backend,
    statePath,
    dataDir,
    renewEveryMs: 0,
    retry: FAST_RETRY,
    ...SMALL_PIECES,
    ...options,
  });
  finished(() => client.stop());
  return { client, backend, dir, statePath, dataDir };
}

/**
 * A local store in `dir`, closed when the current test finishes (after the clients started later
 * in the test stop): a store left open keeps the process's shared hashing worker referenced.
 */
export function localStore(dir: string, options: Omit<LocalBackendOptions, "dir"> = {}, finished: FinishedHook = onTestFinished): StorageBackend {
  const store = createLocalBackend({ ...options, dir });
  finished(() => store.close());
  return store;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function writeRandomFile(dir: string, name: string, size: number): { path: string; bytes: Buffer } {
  const bytes = randomBytes(size);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

export function fileSha256(path: string): string {
  return sha256Hex(readFileSync(path));
}

/** Bytes of the files a client keeps under `dataDir` (cached and spooled; temp files, dot-named, left out): what its quota must count. */
export function bytesKeptIn(dataDir: string): number {
  let sum = 0;
  for (const sub of ["cache", "spool"]) {
    for (const name of readdirSync(join(dataDir, sub))) if (!name.startsWith(".")) sum += statSync(join(dataDir, sub, name)).size;
  }
  return sum;
}

/** Resolves when `job` enters the uploading state. */
export function uploading(job: TransferJob<ShareResult>): Promise<void> {
  return new Promise<void>((resolve) => job.on("state", (s) => s === "uploading" && resolve()));
}

/** Shares of bytes still placing them (comparing or writing their spool file); `spoolingShares` is private: this peek is for tests only. */
export function spoolWritesPending(client: StorageClient): number {
  return (client as unknown as { spoolingShares: Map<string, unknown> }).spoolingShares.size;
}

/** Settles a share of `bytes`: it must have sent those bytes (its reference fetches them back to `out`) or failed E_SOURCE_CHANGED, never sent others. */
export async function expectSentOrSourceChanged(client: StorageClient, job: TransferJob<ShareResult>, bytes: Uint8Array, out: string): Promise<void> {
  const outcome = await job.done.then(
    async ({ reference }) => readFileSync((await client.fetch(reference, { out }).done).path).equals(bytes),
    (error: { code?: string }) => error.code,
  );
  expect([true, "E_SOURCE_CHANGED"]).toContain(outcome);
}
