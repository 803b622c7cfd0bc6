import { Worker } from "node:worker_threads";

/**
 * The writer thread's whole program: one new file per job, written, fsynced and closed with
 * synchronous calls. Inline, so no file has to be found at run time.
 */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { closeSync, fsyncSync, mkdirSync, openSync, writeSync } = require("node:fs");
function create(path, dir) {
  try {
    return openSync(path, "wx");
  } catch (error) {
    if (error.code !== "ENOENT") throw error;
    mkdirSync(dir, { recursive: true });
    return openSync(path, "wx");
  }
}
parentPort.on("message", (job) => {
  try {
    const bytes = new Uint8Array(job.buffer, job.offset, job.length);
    const fd = create(job.path, job.dir);
    try {
      for (let at = 0; at < bytes.byteLength; ) at += writeSync(fd, bytes, at, bytes.byteLength - at, at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    parentPort.postMessage({ id: job.id });
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: { message: error.message, code: error.code, errno: error.errno, syscall: error.syscall, path: error.path } });
  }
});
`;

interface Job {
  readonly id: number;
  readonly buffer: SharedArrayBuffer;
  readonly offset: number;
  readonly length: number;
  readonly path: string;
  readonly dir: string;
}

interface Done {
  readonly id: number;
  readonly error?: { message: string; code?: string; errno?: number; syscall?: string; path?: string };
}

interface Waiting {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Writes new block files durably on a thread of its own, one at a time, with synchronous calls:
 * open, write, fsync, close. Through the libuv pool, several puts in flight held pool threads in
 * fsync while the upload's next reads queued behind them, and each put cost six hops between
 * threads; measured on the 50 MiB share, this way is 10–20 ms faster (bench/RESULTS.md § storage).
 * One thread for the whole process: a disk commits one flush at a time anyway. The bytes are not
 * copied when a SharedArrayBuffer backs them (the upload's buffers); other bytes are copied once.
 * The thread starts on first use, keeps the process alive only while a write is pending, and is
 * stopped by the last release().
 */
export class BlockWriter {
  private static shared: BlockWriter | undefined;
  private static users = 0;

  /** The process's shared instance; every acquire is paired with a release. */
  static acquire(): BlockWriter {
    if (BlockWriter.shared === undefined || BlockWriter.shared.closed) BlockWriter.shared = new BlockWriter();
    BlockWriter.users++;
    return BlockWriter.shared;
  }

  /** Gives back an acquired instance; the last one out stops the thread. */
  static async release(instance: BlockWriter): Promise<void> {
    if (instance !== BlockWriter.shared) return instance.close();
    BlockWriter.users = Math.max(0, BlockWriter.users - 1);
    if (BlockWriter.users === 0) {
      BlockWriter.shared = undefined;
      await instance.close();
    }
  }

  private worker: Worker | undefined;
  private readonly pending = new Map<number, Waiting>();
  private next = 0;
  private closed = false;

  private constructor() {}

  /**
   * Creates `path` (and `dir`, its directory, when missing) with `bytes` in it, fsynced and closed.
   * Fails with the operating system's error (code, syscall, path) as fs calls do; `path` may then
   * exist, partly written, for the caller to remove.
   */
  write(bytes: Uint8Array, path: string, dir: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the block writer was stopped"));
    const shared = bytes.buffer instanceof SharedArrayBuffer ? bytes : copyToShared(bytes);
    const worker = this.worker ?? this.start();
    const id = this.next++;
    return new Promise<void>((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, buffer: shared.buffer as SharedArrayBuffer, offset: shared.byteOffset, length: shared.byteLength, path, dir } satisfies Job);
    });
  }

  /** Stops the thread; writes still pending fail (their files may be partly written). */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker === undefined) return;
    await worker.terminate();
    this.settleAll(new Error("the block writer was stopped"));
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on("message", (done: Done) => {
      const waiting = this.pending.get(done.id);
      this.pending.delete(done.id);
      if (this.pending.size === 0) worker.unref();
      if (done.error === undefined) waiting?.resolve();
      else waiting?.reject(Object.assign(new Error(done.error.message), done.error));
    });
    // A thread that dies (out of memory, killed) fails what it had and is replaced on the next write.
    worker.on("error", (error) => {
      if (this.worker === worker) this.worker = undefined;
      this.settleAll(error);
    });
    this.worker = worker;
    return worker;
  }

  private settleAll(error: unknown): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

function copyToShared(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  copy.set(bytes);
  return copy;
}
