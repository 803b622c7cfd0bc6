import { createHash } from "node:crypto";
import { setMaxListeners } from "node:events";
import { open, readdir, stat, statfs, unlink, type FileHandle } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Sha256Offload } from "../../../crypto/index.js";
import { componentLogger, silentLogger, type Logger } from "../../../obs/index.js";
import { abortedError, throwIfAborted } from "../../abort-error.js";
import type { BackendCallOptions, GetOptions, GetResult, PutOptions, SpaceInfo, StorageBackend } from "../../backend.js";
import { refuseNonLogger } from "../../object-options.js";
import { describedValue, optionsShapeMessage } from "../../../errors/index.js";
import { StorageError } from "../../storage-error.js";
import { keysOf, refuseUnknownKeys } from "../../option-keys.js";
import { osErrorAsLocalIo } from "../../job-errors.js";
import { removeStaleTemps, STALE_TEMP_AGE_MS } from "../../file-io.js";
import { linkedSignal } from "../../retry/index.js";
import { handBackSource, isPutBody, takeBody } from "../../put-body.js";
import { writeBlockAtomically } from "./atomic-block-write.js";
import { BlockPaths } from "./block-paths.js";
import { bytesForWorker } from "./worker-bytes.js";
import { cidOfDigest, digestOfCid } from "../../content-id.js";

export interface LocalBackendOptions {
  /** The store's directory; created on first write. */
  dir: string;
  logger?: Logger;
}

const LOCAL_OPTIONS = keysOf<LocalBackendOptions>()({ dir: true, logger: true });

/** Bytes per chunk of a get body: streams, never whole blocks, in memory. */
const READ_CHUNK_BYTES = 1024 * 1024;

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}


/**
 * The embedded default backend: a content-addressed store on disk. A block is one file named by
 * its sha2-256 digest; its CID is CIDv1 (raw, sha2-256) in base58btc. No server, no network.
 */
class LocalBackend implements StorageBackend {
  readonly kind = "local";
  readonly location: string;
  /** Every put hashes the bytes it writes, here, and names them by that digest. */
  readonly hashesInProcess = "sha2-256" as const;
  /** Its blocks and its puts' temp files: a fetch's out there is refused by the client. */
  readonly ownFolders: readonly string[];
  private readonly paths: BlockPaths;
  private readonly log: Logger;
  private closed = false;
  private sweep: Promise<void> | undefined;
  /** When the last sweep of stale temp files began (Date.now()). */
  private sweptAt = 0;
  /** Temp files of this store's puts in flight, by name: no sweep removes them, however long their source pauses. */
  private readonly writingTemps = new Set<string>();
  private readonly hasher = Sha256Offload.acquire();
  /** Fires on close(): puts and reads in flight end with E_CLIENT_CLOSED, as the Codex backend's do. */
  private readonly closing = new AbortController();
  /** Puts in flight: close() waits until they have removed their temp files and handed their sources back. */
  private readonly putting = new Set<Promise<unknown>>();
  /** Files of get bodies being read: close() closes them, since a caller paused between chunks would otherwise hold one for good. */
  private readonly reading = new Set<FileHandle>();

  constructor(options: LocalBackendOptions) {
    this.location = options.dir;
    this.paths = new BlockPaths(options.dir);
    this.ownFolders = Object.freeze([this.paths.blocks, this.paths.incoming]);
    this.log = componentLogger(options.logger ?? silentLogger(), "storage.local");
    // One listener per put and read in flight, as many as the client runs: by design, not a leak.
    setMaxListeners(0, this.closing.signal);
  }

  // options.progress is not called: a write to the local disk is not a slow link, and a piece written
  // in one attempt timeout is the right bound for it (a disk that slow is failing).
  async put(body: Uint8Array | AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<string> {
    // null is a JavaScript caller's 'no options', as undefined is.
    options ??= {};
    // Before anything can give the body up: a later put of the same stream must not read it as empty.
    const usedUp = isPutBody(body) && !(body instanceof Uint8Array) ? takeBody(body, "put to the local store") : undefined;
    if (usedUp !== undefined) throw usedUp;
    try {
      this.guard(options.signal, "put to the local store");
    } catch (error) {
      if (!(body instanceof Uint8Array)) handBackSource(body);
      throw error;
    }
    await this.sweepWhenDue();
    const link = linkedSignal([options.signal, this.closing.signal], undefined, "put to the local store");
    const writing = writeBlockAtomically(this.paths, body, options.size, link.signal, this.hasher, this.writingTemps);
    this.putting.add(writing);
    try {
      const { digestHex, size } = await writing;
      const cid = cidOfDigest(Buffer.from(digestHex, "hex"));
      if (this.log.isLevelEnabled("debug")) this.log.debug({ cid, size }, "stored block");
      return cid;
    } catch (error) {
      throw osErrorAsLocalIo(error, `put to the local store at ${this.location}`);
    } finally {
      this.putting.delete(writing);
      link.dispose();
    }
  }

  async get(cid: string, options: GetOptions = {}): Promise<GetResult> {
    options ??= {};
    const digest = digestOfCid(cid, "get");
    this.guard(options.signal, `get ${cid}`);
    const path = digest === undefined ? undefined : this.paths.block(digest);
    let size: number;
    try {
      if (path === undefined) throw Object.assign(new Error("not a raw sha2-256 CID"), { code: "ENOENT" });
      size = (await stat(path)).size;
    } catch (error) {
      if (isMissing(error)) throw notFound(cid);
      throw osErrorAsLocalIo(error, `get ${cid} from the local store at ${this.location}`);
    }
    // Anything but a Uint8Array large enough (a JavaScript caller's ArrayBuffer too) is ignored, as the port allows.
    const into = options.into instanceof Uint8Array && options.into.byteLength >= size ? options.into.subarray(0, size) : undefined;
    const block = { path: path as string, size, cid, digestHex: digest as string };
    return { size, body: readBlock(block, [options.signal, this.closing.signal], into, this.reading, this.hasher) };
  }

  async has(cid: string, options: BackendCallOptions = {}): Promise<boolean> {
    options ??= {};
    const digest = digestOfCid(cid, "check");
    this.guard(options.signal, `has ${cid}`);
    if (digest === undefined) return false;
    try {
      await stat(this.paths.block(digest));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw osErrorAsLocalIo(error, `has ${cid} in the local store at ${this.location}`);
    }
  }

  async delete(cid: string, options: BackendCallOptions = {}): Promise<void> {
    options ??= {};
    const digest = digestOfCid(cid, "delete");
    this.guard(options.signal, `delete ${cid}`);
    if (digest === undefined) return;
    try {
      await unlink(this.paths.block(digest));
    } catch (error) {
      if (!isMissing(error)) throw osErrorAsLocalIo(error, `delete ${cid} from the local store at ${this.location}`);
    }
  }

  async space(options: BackendCallOptions = {}): Promise<SpaceInfo> {
    options ??= {};
    this.guard(options.signal, "space of the local store");
    try {
      const used = await directorySize(this.paths.blocks, options.signal);
      const free = await freeBytesAt(this.location);
      return { quotaUsedBytes: used, quotaMaxBytes: used + free };
    } catch (error) {
      throw osErrorAsLocalIo(error, `space of the local store at ${this.location}`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort(closedError(this.location));
    await Promise.allSettled([...this.putting]);
    // A read under way finishes first (close waits for it); the body's next chunk then fails E_CLIENT_CLOSED.
    await Promise.allSettled([...this.reading].map((handle) => handle.close()));
    await this.sweep?.catch(() => undefined);
    await Sha256Offload.release(this.hasher);
  }

  private guard(signal: AbortSignal | undefined, what: string): void {
    throwIfAborted(signal, what);
    if (this.closed) throw closedError(this.location);
  }

  /**
   * Temp files of writes a crash interrupted (everything in incoming/ but this store's puts in
   * flight), once they are STALE_TEMP_AGE_MS old. The first put looks, and a put again once that
   * long has passed since: a leftover still fresh at the first put (the app restarted right after
   * the crash) would otherwise hold its space for the whole session, days on a desktop.
   */
  private sweepWhenDue(): Promise<void> {
    const now = Date.now();
    const since = now - this.sweptAt;
    // A clock set back counts as due: the next sweep is then measured from the new time.
    if (this.sweep === undefined || since < 0 || since >= STALE_TEMP_AGE_MS) {
      this.sweptAt = now;
      this.sweep = removeStaleTemps(this.paths.incoming, (name) => !this.writingTemps.has(name));
    }
    return this.sweep;
  }
}

function closedError(location: string): StorageError {
  return new StorageError("E_CLIENT_CLOSED", `the local store at ${location} is closed; create a new backend.`);
}

function notFound(cid: string): StorageError {
  return new StorageError("E_NOT_FOUND", `the local store has no content under ${cid}`, { details: { cid } });
}

/** A block as get() found it: where, how large, and the digest its bytes must hash to. */
interface StoredBlock {
  readonly path: string;
  readonly size: number;
  readonly cid: string;
  readonly digestHex: string;
}

/**
 * Opened only when iterated, so an unread body holds no file handle. Into the caller's buffer in
 * whole when it lent one (one read, no copy), else in fresh chunks of at most 1 MiB. The bytes are
 * checked against the digest the block is named by before the last of them is handed out: a block
 * damaged on disk (cut short, a flipped bit, bytes appended) ends the body with E_INTEGRITY, never
 * as if it were whole.
 */
async function* readBlock(
  block: StoredBlock,
  signals: readonly (AbortSignal | undefined)[],
  into: Uint8Array | undefined,
  reading: Set<FileHandle>,
  hasher: Sha256Offload,
): AsyncGenerator<Uint8Array, void, undefined> {
  const { path, size, cid } = block;
  // Linked here, when the body is read: a body never read holds no listener either.
  const link = linkedSignal(signals, undefined, `get ${cid}`);
  const signal = link.signal;
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    link.dispose();
    if (isMissing(error)) throw notFound(cid);
    throw osErrorAsLocalIo(error, `get ${cid}`);
  }
  reading.add(handle);
  try {
    if (into !== undefined) {
      await readInto(handle, into, block, signal);
      // The lent buffer is hashed where it lies (on the worker when it is shared memory), then handed out whole.
      verifyDigest(await hasher.digest(bytesForWorker(into)), block);
      if (size > 0) yield into;
      return;
    }
    const hash = createHash("sha256");
    let position = 0;
    while (position < size) {
      const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, size - position));
      const got = await readInto(handle, buffer, block, signal, position);
      hash.update(got);
      position += got.byteLength;
      // The last chunk waits for the check.
      if (position === size) verifyDigest(hash.digest(), block);
      yield got;
    }
    if (size === 0) verifyDigest(hash.digest(), block);
  } finally {
    link.dispose();
    reading.delete(handle);
    await handle.close();
  }
}

/**
 * Fills `buffer` from the block at `position` (several reads when the OS gives fewer bytes);
 * E_TRUNCATED when the file ends first (removed or cut while being read).
 */
async function readInto(handle: FileHandle, buffer: Uint8Array, block: StoredBlock, signal: AbortSignal, position = 0): Promise<Uint8Array> {
  let filled = 0;
  while (filled < buffer.byteLength) {
    if (signal.aborted) throw abortedError(signal.reason, `get ${block.cid}`);
    const { bytesRead } = await handle.read(buffer, filled, buffer.byteLength - filled, position + filled).catch((error: unknown) => {
      throw osErrorAsLocalIo(error, `get ${block.cid}`);
    });
    if (bytesRead === 0) {
      const at = position + filled;
      throw new StorageError("E_TRUNCATED", `${block.cid} ended after ${at} of ${block.size} bytes (removed while being read?)`, {
        details: { cid: block.cid, received: at, expected: block.size },
      });
    }
    filled += bytesRead;
  }
  return buffer;
}

function verifyDigest(digest: Buffer, block: StoredBlock): void {
  if (digest.toString("hex") === block.digestHex) return;
  throw new StorageError(
    "E_INTEGRITY",
    `the local store's copy of ${block.cid} is damaged on disk (its ${block.size} bytes do not hash to the CID); put the content again or fetch it from elsewhere.`,
    { details: { cid: block.cid } },
  );
}

/** Free bytes on the disk `dir` is (or, not created yet, will be) on: the nearest existing ancestor's. */
async function freeBytesAt(dir: string): Promise<number> {
  for (let at = resolve(dir); ; at = dirname(at)) {
    try {
      const fs = await statfs(at);
      return fs.bavail * fs.bsize;
    } catch (error) {
      if (!isMissing(error) || dirname(at) === at) throw error;
    }
  }
}

async function directorySize(dir: string, signal: AbortSignal | undefined): Promise<number> {
  let total = 0;
  let shards: string[];
  try {
    shards = await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return 0;
    throw error;
  }
  for (const shard of shards) {
    throwIfAborted(signal, "space of the local store");
    for (const name of await readdir(join(dir, shard)).catch(() => [] as string[])) {
      const info = await stat(join(dir, shard, name)).catch(() => undefined);
      if (info !== undefined) total += info.size;
    }
  }
  return total;
}

export function createLocalBackend(options: LocalBackendOptions): StorageBackend {
  // The shape and the keys before dir, as every other entry point checks them: the store's path
  // passed as the options, or { directory }, was "needs a directory ({ dir })", naming neither.
  // The options cannot be left out (a store needs its folder), so undefined and null are refused too.
  const shape = optionsShapeMessage("createLocalBackend", options, LOCAL_OPTIONS, false);
  if (shape !== undefined) throw new StorageError("E_BACKEND_REJECTED", shape, { details: { option: "options" } });
  refuseUnknownKeys("createLocalBackend", options, LOCAL_OPTIONS, "E_BACKEND_REJECTED");
  if (typeof options.dir !== "string" || options.dir === "") {
    throw new StorageError("E_BACKEND_REJECTED", `createLocalBackend option dir must be the store's folder (a path), not ${describedValue(options.dir)}`, {
      details: { option: "dir" },
    });
  }
  // Before the store is made: it takes a hold on the hashing worker.
  refuseNonLogger("createLocalBackend", options.logger);
  return new LocalBackend(options);
}
