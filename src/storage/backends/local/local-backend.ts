import { readdir, rm, stat, statfs, unlink } from "node:fs/promises";
import { join } from "node:path";
import { Sha256Offload } from "../../../crypto/index.js";
import { componentLogger, silentLogger, type Logger } from "../../../obs/index.js";
import { throwIfAborted } from "../../abort-error.js";
import type { BackendCallOptions, GetOptions, GetResult, PutOptions, SpaceInfo, StorageBackend } from "../../backend.js";
import { cidOfDigest, digestOfCid } from "../../content-id.js";
import { StorageError } from "../../storage-error.js";
import { writeBlockAtomically } from "./atomic-block-write.js";
import { BlockPaths } from "./block-paths.js";
import { ioError, isMissing, notFound } from "./local-errors.js";
import { LogIndex } from "./log-index.js";
import type { SyncCounts } from "./log-pair.js";
import { LogWriter, SEGMENT_LIMIT_BYTES } from "./log-writer.js";
import { readRange } from "./range-read.js";

export interface LocalBackendOptions {
  /** The store's directory; created on first write. */
  dir: string;
  logger?: Logger;
}

/** Knobs for tests only (not part of the documented options). */
export interface LocalStoreTuning {
  /** A writer moves to a fresh pair once its segment passes this many bytes. */
  segmentLimitBytes?: number;
}

/** Where a found block's bytes are. */
interface Found {
  readonly path: string;
  readonly start: number;
  readonly size: number;
}

/**
 * The embedded default backend: a content-addressed store on disk; a block's CID is CIDv1 (raw,
 * sha2-256) in base58btc. Buffer puts (what the client makes) are appended to this instance's log
 * segment with group-committed durability (log-pair.ts); streamed puts, whose size is not known up
 * front, still make one file per block under `blocks/` (the old layout, which stays readable).
 */
class LocalBackend implements StorageBackend {
  readonly kind = "local";
  readonly location: string;
  /** Every put hashes the bytes it writes, here, and names them by that digest. */
  readonly hashesInProcess = "sha2-256" as const;
  private readonly paths: BlockPaths;
  private readonly log: Logger;
  private readonly index: LogIndex;
  private readonly writer: LogWriter;
  private closed = false;
  private sweep: Promise<void> | undefined;
  private readonly hasher = Sha256Offload.acquire();

  constructor(options: LocalBackendOptions, tuning: LocalStoreTuning) {
    this.location = options.dir;
    this.paths = new BlockPaths(options.dir);
    this.log = componentLogger(options.logger ?? silentLogger(), "storage.local");
    this.index = new LogIndex(this.paths);
    this.writer = new LogWriter(this.paths, this.index, tuning.segmentLimitBytes ?? SEGMENT_LIMIT_BYTES);
  }

  get syncCounts(): Readonly<SyncCounts> {
    return this.writer.counts;
  }

  async put(body: Uint8Array | AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<string> {
    const what = "put to the local store";
    this.guard(options.signal, what);
    try {
      // Before anything is written: a store from the future is refused untouched.
      await this.index.ready();
      await (this.sweep ??= this.removeStrayTempFiles());
      let digest: Buffer;
      let size: number;
      if (body instanceof Uint8Array) {
        size = body.byteLength;
        checkDeclaredSize(options.size, size);
        // Hashed once, on the shared worker, while the bytes are being written.
        throwIfAborted(options.signal, what); // before a range is reserved for it
        const hashing = this.hasher.digest(body);
        hashing.catch(() => undefined);
        digest = await this.writer.put(body, hashing, options.signal);
      } else {
        const written = await writeBlockAtomically(this.paths, body, options.size, options.signal);
        digest = Buffer.from(written.digestHex, "hex");
        size = written.size;
      }
      const cid = cidOfDigest(digest);
      if (this.log.isLevelEnabled("debug")) this.log.debug({ cid, size }, "stored block");
      return cid;
    } catch (error) {
      throw ioError(error, what);
    }
  }

  async get(cid: string, options: GetOptions = {}): Promise<GetResult> {
    const digest = digestOfCid(cid, "get");
    this.guard(options.signal, `get ${cid}`);
    let found: Found | undefined;
    try {
      found = digest === undefined ? undefined : await this.find(digest);
    } catch (error) {
      throw ioError(error, `get ${cid}`);
    }
    if (found === undefined) throw notFound(cid);
    const { path, start, size } = found;
    const into = options.into !== undefined && options.into.byteLength >= size ? options.into.subarray(0, size) : undefined;
    return { size, body: readRange(path, start, size, cid, options.signal, into) };
  }

  async has(cid: string, options: BackendCallOptions = {}): Promise<boolean> {
    const digest = digestOfCid(cid, "check");
    this.guard(options.signal, `has ${cid}`);
    if (digest === undefined) return false;
    try {
      return (await this.find(digest)) !== undefined;
    } catch (error) {
      throw ioError(error, `has ${cid}`);
    }
  }

  async delete(cid: string, options: BackendCallOptions = {}): Promise<void> {
    const digest = digestOfCid(cid, "delete");
    const what = `delete ${cid}`;
    this.guard(options.signal, what);
    if (digest === undefined) return;
    try {
      await this.index.ready();
      if (this.index.lookup(digest) === undefined) await this.index.refresh();
      // A tombstone only where the log holds it; its seq is issued after the cycle's refresh, above the block's.
      if (this.index.lookup(digest) !== undefined) await this.writer.tombstone(Buffer.from(digest, "hex"), options.signal, what);
      await unlink(this.paths.block(digest)).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    } catch (error) {
      throw ioError(error, what);
    }
  }

  async space(options: BackendCallOptions = {}): Promise<SpaceInfo> {
    this.guard(options.signal, "space of the local store");
    try {
      await this.index.ready();
      // Every segment byte counts, holes and deleted blocks too: v1 never reclaims them (no compaction).
      const used = (await filesSize(this.paths.log)) + (await blocksSize(this.paths.blocks, options.signal));
      let free = 0;
      try {
        const fs = await statfs(this.location);
        free = fs.bavail * fs.bsize;
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
      return { quotaUsedBytes: used, quotaMaxBytes: used + free };
    } catch (error) {
      throw ioError(error, "space of the local store");
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
    await this.sweep?.catch(() => undefined);
    await Sha256Offload.release(this.hasher);
  }

  /**
   * The log first (memory), then the old layout, then the log again after reading what other
   * instances appended since: "not found" only once all three missed.
   */
  private async find(digestHex: string): Promise<Found | undefined> {
    await this.index.ready();
    const logged = this.index.lookup(digestHex);
    if (logged !== undefined) {
      if (await exists(logged.segment)) return { path: logged.segment, start: logged.offset, size: logged.length };
      this.index.forget(logged.writer); // the store's directory was wiped under this instance
    }
    const path = this.paths.block(digestHex);
    try {
      return { path, start: 0, size: (await stat(path)).size };
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    await this.index.refresh();
    const late = this.index.lookup(digestHex);
    return late === undefined ? undefined : { path: late.segment, start: late.offset, size: late.length };
  }

  private guard(signal: AbortSignal | undefined, what: string): void {
    throwIfAborted(signal, what);
    if (this.closed) throw new StorageError("E_CLIENT_CLOSED", `the local store at ${this.location} is closed; create a new backend.`);
  }

  /** Temp files of streamed writes a crash interrupted; only this instance's first put looks, once. */
  private async removeStrayTempFiles(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.paths.incoming);
    } catch {
      return;
    }
    const cutoff = Date.now() - 60 * 60 * 1000;
    for (const name of names) {
      const path = join(this.paths.incoming, name);
      // Only old ones: another process may be writing the fresh ones right now.
      const info = await stat(path).catch(() => undefined);
      if (info !== undefined && info.mtimeMs < cutoff) await rm(path, { force: true });
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

function checkDeclaredSize(declared: number | undefined, size: number): void {
  if (declared === undefined || declared === size) return;
  throw new StorageError(
    size < declared ? "E_TRUNCATED" : "E_BACKEND_REJECTED",
    `put to the local store: the body had ${size} bytes but size said ${declared}; nothing was stored.`,
    { details: { declared, actual: size } },
  );
}

/** Bytes of the files directly in `dir` (the log's segments and indexes). */
async function filesSize(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return 0;
    throw error;
  }
  let total = 0;
  for (const name of names) {
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info?.isFile() === true) total += info.size;
  }
  return total;
}

/** Bytes of the old layout's blocks (`blocks/<shard>/<digest>`). */
async function blocksSize(dir: string, signal: AbortSignal | undefined): Promise<number> {
  let shards: string[];
  try {
    shards = await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return 0;
    throw error;
  }
  let total = 0;
  for (const shard of shards) {
    throwIfAborted(signal, "space of the local store");
    total += await filesSize(join(dir, shard));
  }
  return total;
}

export function createLocalBackend(options: LocalBackendOptions): StorageBackend {
  return openLocalStore(options);
}

/** The store with its test-only knobs and read-only sync counters (not exported by the module's index). */
export function openLocalStore(options: LocalBackendOptions, tuning: LocalStoreTuning = {}): StorageBackend & { readonly syncCounts: Readonly<SyncCounts> } {
  if (typeof options?.dir !== "string" || options.dir === "") {
    throw new StorageError("E_BACKEND_REJECTED", "createLocalBackend needs a directory ({ dir })", { details: { option: "dir" } });
  }
  return new LocalBackend(options, tuning);
}
