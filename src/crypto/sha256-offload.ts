import { createHash, type Hash } from "node:crypto";
import { Worker } from "node:worker_threads";
import { sha256 } from "./sha256.js";

/**
 * The worker's whole program: one-shot digests, and running hashes fed in order (a port delivers
 * messages in the order they were posted). Inline, so no file has to be found at run time.
 */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const running = new Map();
parentPort.on("message", (m) => {
  if (m.op === "digest") return parentPort.postMessage({ id: m.id, digest: createHash("sha256").update(m.bytes).digest() });
  let hash = running.get(m.stream);
  if (hash === undefined) running.set(m.stream, (hash = createHash("sha256")));
  if (m.op === "update") {
    hash.update(m.bytes);
    return parentPort.postMessage({ id: m.id });
  }
  running.delete(m.stream);
  parentPort.postMessage({ id: m.id, digest: hash.digest() });
});
`;

/** Below this, posting to the worker costs more than hashing here. */
const DEFAULT_MIN_OFFLOAD_BYTES = 256 * 1024;

/** A sha256 fed piece by piece. */
export interface RunningSha256 {
  /** Resolves once the bytes are consumed: only then may the caller reuse them. */
  update(bytes: Uint8Array): Promise<void>;
  digest(): Promise<Buffer>;
  /** Drops an unfinished hash (its job was stopped); harmless after digest(). */
  dispose(): void;
}

interface Waiting {
  /** For one-shot digests: hashed here if the worker goes away first. */
  readonly bytes?: Uint8Array;
  resolve(digest: Buffer | undefined): void;
  reject(error: unknown): void;
}

/**
 * sha256 on a worker thread, so the hashes of every byte in the piece pipeline overlap with
 * sealing, opening and I/O on the main thread. Bytes backed by a SharedArrayBuffer (the pipeline's
 * slot buffers) are not copied. The worker starts on first use, keeps the process alive only while an
 * answer is pending, and is gone after close(); small inputs, and anything after close(), are hashed in place.
 */
export class Sha256Offload {
  private static shared: Sha256Offload | undefined;
  private static users = 0;

  /**
   * The process's shared instance (one worker for the client and its local store alike); every
   * acquire is paired with a release, and the last release stops the worker.
   */
  static acquire(): Sha256Offload {
    if (Sha256Offload.shared === undefined || Sha256Offload.shared.closed) Sha256Offload.shared = new Sha256Offload();
    Sha256Offload.users++;
    return Sha256Offload.shared;
  }

  /** Gives back an acquired instance; the last one out stops the worker. */
  static async release(instance: Sha256Offload): Promise<void> {
    if (instance !== Sha256Offload.shared) return instance.close();
    Sha256Offload.users = Math.max(0, Sha256Offload.users - 1);
    if (Sha256Offload.users === 0) {
      Sha256Offload.shared = undefined;
      await instance.close();
    }
  }

  private worker: Worker | undefined;
  private readonly pending = new Map<number, Waiting>();
  private next = 0;
  private streams = 0;
  private closed = false;

  constructor(private readonly minBytes: number = DEFAULT_MIN_OFFLOAD_BYTES) {}

  /**
   * The sha256 of `bytes`, which must stay as they are until it settles, as update()'s: bytes in
   * shared memory are read by the worker in place, and those of a worker that dies are hashed here.
   */
  digest(bytes: Uint8Array): Promise<Buffer> {
    if (this.closed || bytes.byteLength < this.minBytes) return Promise.resolve(sha256(bytes));
    return this.post({ op: "digest", bytes }, bytes) as Promise<Buffer>;
  }

  /** A running hash; on the worker when `expectedBytes` makes that worth it. */
  running(expectedBytes: number): RunningSha256 {
    if (this.closed || expectedBytes < this.minBytes) return localRunning(createHash("sha256"));
    const stream = this.streams++;
    let finished = false;
    // The worker holding this hash's state: once it is gone, so are the bytes fed so far, and a
    // fresh worker would go on from an empty hash (a digest of only the later bytes).
    let home: Worker | undefined;
    const send = (message: { op: string; stream: number; bytes?: Uint8Array }): Promise<Buffer | undefined> => {
      if (!this.closed && home !== undefined && this.worker !== home) return Promise.reject(workerLost());
      const posted = this.post(message);
      home ??= this.worker;
      return posted;
    };
    return {
      update: async (bytes) => {
        await send({ op: "update", stream, bytes });
      },
      digest: async () => {
        finished = true;
        return (await send({ op: "final", stream })) as Buffer;
      },
      dispose: () => {
        if (finished || this.closed || this.worker === undefined) return;
        finished = true;
        send({ op: "final", stream }).catch(() => undefined);
      },
    };
  }

  /** Stops the worker. One-shot digests still pending are computed here; running hashes cannot be and fail. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker === undefined) return;
    // Held until it has exited: an idle (unref'd) worker would let the process end under the await.
    worker.ref();
    await worker.terminate();
    this.settlePending(new Error("the sha256 worker was stopped"));
  }

  private post(message: { op: string; stream?: number; bytes?: Uint8Array }, retryable?: Uint8Array): Promise<Buffer | undefined> {
    // A running hash lived in the worker that close() stopped: it cannot go on anywhere.
    if (this.closed) return Promise.reject(new Error("the sha256 worker was stopped"));
    const worker = this.worker ?? this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      // Held only while an answer is due: an awaited hash must not let the process end under it.
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { ...(retryable === undefined ? {} : { bytes: retryable }), resolve, reject });
      worker.postMessage({ ...message, id });
    });
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on("message", (m: { id: number; digest?: Uint8Array }) => {
      const waiting = this.pending.get(m.id);
      this.pending.delete(m.id);
      // Not once close() holds it until it has exited.
      if (this.pending.size === 0 && this.worker === worker) worker.unref();
      waiting?.resolve(m.digest === undefined ? undefined : Buffer.from(m.digest.buffer, m.digest.byteOffset, m.digest.byteLength));
    });
    // A worker that dies (out of memory, killed) is replaced on the next call.
    worker.on("error", (error) => {
      if (this.worker === worker) this.worker = undefined;
      this.settlePending(workerLost(error));
    });
    // An exit without an error (terminated by someone else) leaves nothing to answer what is pending.
    worker.on("exit", (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.settlePending(workerLost(new Error(`the worker exited with code ${code}`)));
    });
    // After the listeners: attaching a 'message' listener refs the worker's port again.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private settlePending(error: unknown): void {
    for (const waiting of this.pending.values()) {
      if (waiting.bytes !== undefined) waiting.resolve(sha256(waiting.bytes));
      else waiting.reject(error);
    }
    this.pending.clear();
  }
}

function workerLost(cause?: unknown): Error {
  const why = cause instanceof Error ? `: ${cause.message}` : "";
  return new Error(`the sha256 worker thread died${why}; the running hashes it held are lost`, cause === undefined ? undefined : { cause });
}

function localRunning(hash: Hash): RunningSha256 {
  return {
    update: async (bytes) => {
      hash.update(bytes);
    },
    digest: async () => hash.digest(),
    dispose: () => undefined,
  };
}
