/**
 * The ceiling for the storage round trip: the work the protocol requires, done by the leanest
 * pipeline this machine allows, with nothing else. It tells whether a gap to the ≤ 2.0× goal is the
 * client's or the machine's.
 *
 * The same steps as the client, on the same layout (4 MiB pieces of 64 KiB chunks, the project's
 * sealRange/openRange): share reads the file, seals each piece, hashes it, writes it as a block
 * (temp file, fsync, rename, directory fsync) and hashes the whole plaintext in order; fetch reads
 * each block, verifies its sha256, opens it, writes it at its offset in a temp file, hashes the
 * plaintext in order, datasyncs and renames. What it leaves out is everything a product needs and
 * the goal does not name: no journal, no retries, no window (the whole file sits in one shared
 * buffer), no backend port, no progress. One worker thread per core takes whole pieces; the first
 * also keeps the in-order whole-file hash, which it serves first. Fsyncs go to the libuv pool, so a
 * worker never waits for the disk.
 *
 * Durability: "each" makes every block durable before it counts as stored (fsync, rename, directory
 * fsync: what the local store does today, one file per block); "grouped" keeps one file per block
 * but makes them durable in groups while the share goes on (the blocks written while one group is
 * synced are the next group: their files fsynced together, renamed, the directory fsynced once);
 * "log" appends the blocks to one file, at their offsets in the sealed stream, with one
 * datasync at a time covering every block written before it began (what a log-structured store
 * would do: a group commit on one file), then fsyncs it and its directory; "none" skips every
 * fsync: not crash-safe, the bound on what any ordering of the required crypto can reach here.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, readSync, writeSync, openSync, closeSync, fsync } from "node:fs";
import { open, rename, type FileHandle } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { chunkCount, openRange, prepareParams, sealRange, type PreparedParams, type StreamParams } from "../../src/crypto/index.js";
import { GroupSync } from "../../src/storage/download/group-sync.js";
import { syncDirectory } from "../../src/storage/file-io.js";
import { planPieces } from "../../src/storage/piece-plan.js";

const ROLE = "pipeline-ceiling";

interface Layout {
  readonly size: number;
  readonly chunkSize: number;
  readonly pieceSize: number;
}

type Task =
  | { t: "hash-start" }
  | { t: "hash-feed"; i: number; off: number; len: number }
  | { t: "hash-end" }
  | { t: "seal"; i: number; off: number; len: number; dir: string; sync: CeilingSync; log?: { fd: number; at: number } }
  | { t: "fetch"; i: number; name: string; size: number; off: number; len: number; dir: string; fd: number; log?: { fd: number; at: number } };

type Reply =
  | { t: "ready" }
  | { t: "hashed"; i: number }
  | { t: "digest"; digest: Uint8Array }
  | { t: "sealed"; i: number }
  | { t: "stored"; i: number; name: string; size: number; unsynced?: { fd: number; temp: string } }
  | { t: "fetched"; i: number }
  | { t: "failed"; message: string };

interface WorkerInit {
  role: typeof ROLE;
  params: StreamParams;
  layout: Layout;
  plain: SharedArrayBuffer;
}

export type CeilingSync = "each" | "grouped" | "log" | "none";

/** The name of the log file in "log" mode. */
const LOG_FILE = "blocks.log";

/** One piece: its index, where its plaintext sits in the file, and where its sealed bytes start in the sealed stream. */
type Span = { i: number; off: number; len: number; at: number };

export interface CeilingTimes {
  share: number;
  fetch: number;
}

export class PipelineCeiling {
  private readonly plain: Buffer;
  private readonly idle: boolean[];
  private listener: ((w: number, reply: Reply) => void) | undefined;

  private constructor(
    private readonly workers: Worker[],
    shared: SharedArrayBuffer,
    private readonly layout: Layout,
  ) {
    this.plain = Buffer.from(shared);
    this.idle = workers.map(() => true);
    workers.forEach((worker, w) => worker.on("message", (reply: Reply) => this.listener?.(w, reply)));
  }

  static async start(params: StreamParams, layout: Layout, threads = availableParallelism()): Promise<PipelineCeiling> {
    const shared = new SharedArrayBuffer(layout.size);
    const init: WorkerInit = { role: ROLE, params, layout, plain: shared };
    const workers = Array.from({ length: Math.max(1, threads) }, () => new Worker(new URL(import.meta.url), { workerData: init }));
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once("message", () => resolve());
      w.once("error", reject);
    })));
    return new PipelineCeiling(workers, shared, layout);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** One share → fetch of `source` through a block directory under `dir`; the times of each half. */
  async roundTrip(source: string, dir: string, sync: CeilingSync): Promise<CeilingTimes> {
    const durable = sync !== "none";
    const spans = this.spans();
    const store = join(dir, `ceiling-${randomUUID()}`);
    mkdirSync(store);
    let start = performance.now();
    const src = await open(source, "r");
    const stored: { name: string; size: number }[] = [];
    let upDigest: Uint8Array;
    const log = sync === "log" ? await open(join(store, LOG_FILE), "w+") : undefined;
    const logSync = log === undefined ? undefined : groupSync(log);
    const blockGroups = sync === "grouped" ? blockGroupCommit(store) : undefined;
    try {
      const readable = new Array<boolean>(spans.length).fill(false);
      // Reads run ahead on the pool, in order; each one makes its piece's two tasks ready.
      let reads = Promise.resolve();
      const kick = (): void => this.pump();
      for (const s of spans) {
        reads = reads.then(async () => {
          await src.read(this.plain, s.off, s.len, s.off);
          readable[s.i] = true;
          kick();
        });
      }
      upDigest = await this.run(
        spans,
        readable,
        (s) => ({ t: "seal", ...s, dir: store, sync, ...(log === undefined ? {} : { log: { fd: log.fd, at: s.at } }) }),
        "stored",
        (reply) => {
          if (reply.t !== "stored") return;
          stored[reply.i] = { name: reply.name, size: reply.size };
          logSync?.written(reply.i);
          if (reply.unsynced !== undefined) blockGroups?.written(reply.unsynced.fd, reply.unsynced.temp, join(store, reply.name));
        },
      );
      await reads;
      await blockGroups?.settled();
      if (log !== undefined) {
        await logSync?.settled();
        // The file's new size is metadata: one fsync makes it durable with the last blocks.
        await log.sync();
      }
    } finally {
      await src.close();
      await log?.close();
    }
    // The log file is new: its directory entry needs a sync of its own. Blocks' renames were synced as they came.
    if (sync === "log") await syncDirectory(store);
    const share = performance.now() - start;

    start = performance.now();
    const tempPath = join(dir, `ceiling-${randomUUID()}.part`);
    const temp = await open(tempPath, "w");
    const logFd = sync === "log" ? openSync(join(store, LOG_FILE), "r") : undefined;
    let downDigest: Uint8Array;
    // The disk gets the file while the rest is fetched.
    const tempSync = durable ? groupSync(temp) : undefined;
    try {
      const fetched = new Array<boolean>(spans.length).fill(false);
      downDigest = await this.run(
        spans,
        undefined,
        (s) => ({
          t: "fetch",
          ...s,
          ...(stored[s.i] as { name: string; size: number }),
          dir: store,
          fd: temp.fd,
          ...(logFd === undefined ? {} : { log: { fd: logFd, at: s.at } }),
        }),
        "fetched",
        (reply) => {
          if (reply.t !== "fetched") return;
          fetched[reply.i] = true;
          tempSync?.written(reply.i);
        },
        fetched,
      );
      if (!Buffer.from(downDigest).equals(Buffer.from(upDigest))) throw new Error("ceiling: the fetched file does not hash to the shared one");
      await tempSync?.settled();
    } finally {
      await temp.close();
      if (logFd !== undefined) closeSync(logFd);
    }
    await rename(tempPath, join(dir, `ceiling-${randomUUID()}.out`));
    if (durable) await syncDirectory(dir);
    return { share, fetch: performance.now() - start };
  }

  /** The client's own piece plan, in the worker messages' short names. */
  private spans(): Span[] {
    return planPieces(this.layout.size, this.layout.chunkSize, this.layout.pieceSize).pieces.map((p) => ({ i: p.index, off: p.plainOffset, len: p.plainSize, at: p.sealedOffset }));
  }

  private pump: () => void = () => undefined;

  /**
   * Runs one half: piece tasks on any idle worker (when `ready` says their input is there), the
   * in-order whole-file hash on worker 0 (when `hashable` says the next piece's plaintext is there),
   * until every piece has answered `done` and the hash has its digest.
   */
  private run(
    spans: Span[],
    ready: boolean[] | undefined,
    task: (s: Span) => Task,
    done: "stored" | "fetched",
    onReply: (reply: Reply) => void,
    hashable: boolean[] | undefined = ready,
  ): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      let nextPiece = 0;
      let nextHash = 0;
      let finished = 0;
      let hashEnded = false;
      const send = (w: number, t: Task): void => {
        this.idle[w] = false;
        (this.workers[w] as Worker).postMessage(t);
      };
      this.pump = () => {
        for (let w = 0; w < this.workers.length; w++) {
          if (!this.idle[w]) continue;
          if (w === 0 && nextHash < spans.length && (hashable === undefined || hashable[nextHash] === true)) {
            send(0, { t: "hash-feed", ...(spans[nextHash++] as Span) });
          } else if (w === 0 && nextHash === spans.length && finished === spans.length && !hashEnded) {
            hashEnded = true;
            send(0, { t: "hash-end" });
          } else if (nextPiece < spans.length && (ready === undefined || ready[nextPiece] === true)) {
            send(w, task(spans[nextPiece++] as Span));
          }
        }
      };
      this.listener = (w, reply) => {
        if (reply.t === "failed") return reject(new Error(reply.message));
        onReply(reply);
        if (reply.t === done) finished++;
        // "stored" arrives after the worker moved on ("sealed"); every other reply frees it.
        if (reply.t !== "stored") this.idle[w] = true;
        if (reply.t === "digest") return resolve(reply.digest);
        this.pump();
      };
      this.idle[0] = false;
      (this.workers[0] as Worker).postMessage({ t: "hash-start" } satisfies Task);
    });
  }
}


/**
 * The client's own group commit (one datasync at a time, each covering every write that ended
 * before it began), with nothing to journal: `written` after each write, `settled` at the end.
 */
function groupSync(handle: FileHandle): { written(index: number): void; settled(): Promise<void> } {
  const sync = new GroupSync(handle, () => undefined);
  return {
    written: (index) => void sync.durable(index).catch(() => undefined),
    settled: async () => {
      await sync.settle();
      sync.throwIfFailed();
    },
  };
}

/**
 * A group commit over one file per block: the blocks written while a group is being made durable
 * form the next group, whose files are fsynced together (the device then flushes them in one
 * journal commit or few), renamed, and their directory fsynced once.
 */
function blockGroupCommit(dir: string): { written(fd: number, temp: string, name: string): void; settled(): Promise<void> } {
  let pending: { fd: number; temp: string; name: string }[] = [];
  let running: Promise<void> | undefined;
  let failure: unknown;
  const loop = async (): Promise<void> => {
    try {
      while (pending.length > 0) {
        const group = pending;
        pending = [];
        await Promise.all(group.map((w) => new Promise<void>((res, rej) => fsync(w.fd, (e) => (e ? rej(e) : res())))));
        for (const w of group) closeSync(w.fd);
        await Promise.all(group.map((w) => rename(w.temp, w.name)));
        await syncDirectory(dir);
      }
    } catch (error) {
      failure ??= error;
    } finally {
      running = undefined;
    }
  };
  return {
    written: (fd, temp, name) => {
      pending.push({ fd, temp, name });
      running ??= loop();
    },
    settled: async () => {
      while (running !== undefined) await running;
      if (failure !== undefined) throw failure;
    },
  };
}

// ---- the worker ---------------------------------------------------------------------------------

function workerMain(init: WorkerInit): void {
  const port = parentPort as NonNullable<typeof parentPort>;
  const params: PreparedParams = prepareParams(init.params);
  const plain = Buffer.from(init.plain);
  const totalChunks = chunkCount(init.layout.size, init.layout.chunkSize);
  const sealedMax = init.layout.pieceSize + (init.layout.pieceSize / init.layout.chunkSize) * 16;
  const fetchBuffer = Buffer.allocUnsafe(sealedMax);
  let running = createHash("sha256");
  const reply = (r: Reply): void => port.postMessage(r);

  const storeBlock = async (dir: string, name: string, sealed: Buffer, durable: boolean): Promise<void> => {
    const temp = join(dir, `${randomUUID()}.part`);
    const handle: FileHandle = await open(temp, "wx");
    await handle.write(sealed, 0, sealed.byteLength);
    if (durable) await handle.sync();
    await handle.close();
    await rename(temp, join(dir, name));
    if (durable) await syncDirectory(dir);
  };

  port.on("message", (task: Task) => {
    try {
      switch (task.t) {
        case "hash-start":
          running = createHash("sha256");
          return reply({ t: "hashed", i: -1 });
        case "hash-feed":
          running.update(plain.subarray(task.off, task.off + task.len));
          return reply({ t: "hashed", i: task.i });
        case "hash-end":
          return reply({ t: "digest", digest: running.digest() });
        case "seal": {
          // A fresh buffer per piece: the pool writes it while this thread seals the next one.
          const sealed = Buffer.allocUnsafe(sealedMax);
          const n = sealRange(params, { firstChunk: task.off / init.layout.chunkSize, totalChunks }, plain.subarray(task.off, task.off + task.len), sealed);
          const bytes = sealed.subarray(0, n);
          // The block's address is hashed on this thread before it is handed on: the thread is then free.
          const name = createHash("sha256").update(bytes).digest("hex");
          reply({ t: "sealed", i: task.i });
          if (task.sync === "grouped") {
            // Written on this thread, as in "log"; the group commit on the main thread makes it durable.
            const temp = join(task.dir, `${randomUUID()}.part`);
            const fd = openSync(temp, "wx");
            for (let at = 0; at < n; ) at += writeSync(fd, bytes, at, n - at, at);
            return reply({ t: "stored", i: task.i, name, size: n, unsynced: { fd, temp } });
          }
          if (task.log !== undefined) {
            // Copied into the page cache on this thread, as the fetch writes do: measured, a write
            // queued on the pool behind reads and datasyncs made the share 5–10 ms slower.
            for (let at = 0; at < n; ) at += writeSync(task.log.fd, bytes, at, n - at, task.log.at + at);
            return reply({ t: "stored", i: task.i, name, size: n });
          }
          storeBlock(task.dir, name, bytes, task.sync === "each").then(
            () => reply({ t: "stored", i: task.i, name, size: n }),
            (error: unknown) => reply({ t: "failed", message: String(error) }),
          );
          return;
        }
        case "fetch": {
          let n: number;
          if (task.log !== undefined) {
            n = readSync(task.log.fd, fetchBuffer, 0, task.size, task.log.at);
          } else {
            const fd = openSync(join(task.dir, task.name), "r");
            n = readSync(fd, fetchBuffer, 0, task.size, 0);
            closeSync(fd);
          }
          const sealed = fetchBuffer.subarray(0, n);
          if (createHash("sha256").update(sealed).digest("hex") !== task.name) throw new Error(`ceiling: block ${task.i} does not match its sha256`);
          const m = openRange(params, { firstChunk: task.off / init.layout.chunkSize, totalChunks }, sealed, plain.subarray(task.off, task.off + task.len));
          writeSync(task.fd, plain, task.off, m, task.off);
          return reply({ t: "fetched", i: task.i });
        }
      }
    } catch (error) {
      reply({ t: "failed", message: String(error) });
    }
  });
  reply({ t: "ready" });
}

if (!isMainThread && (workerData as Partial<WorkerInit> | null)?.role === ROLE) workerMain(workerData as WorkerInit);
