import { constants } from "node:fs";
import { mkdir, open, readdir, rm, stat, type FileHandle } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { abortedError } from "./abort-error.js";
import { syncDirectory } from "../fs/index.js";
import { Slots } from "./slots.js";

/**
 * Reads exactly `into.byteLength` bytes at `position`; returns how many it got (fewer only at end
 * of file). Positional, so pieces read independently of each other.
 */
export async function readAt(handle: FileHandle, into: Uint8Array, position: number, signal?: AbortSignal): Promise<number> {
  let got = 0;
  while (got < into.byteLength) {
    if (signal?.aborted === true) throw abortedError(signal.reason, "reading a file");
    const { bytesRead } = await handle.read(into, got, into.byteLength - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/** Writes all of `bytes` at `position` (a short write is continued, not lost). */
export async function writeAt(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let at = 0;
  while (at < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, at, bytes.byteLength - at, position + at);
    at += bytesWritten;
  }
}

/**
 * Piece-sized buffers in shared memory, reused from one job to the next while transfers follow one
 * another (handing a fresh SharedArrayBuffer to the hashing worker costs about as much as hashing a
 * megabyte; a reused one costs nothing), and all dropped a second after the last transfer gave
 * them back, so an idle client holds none.
 */
/** How long freed piece buffers wait for the next transfer before they are dropped. */
const BUFFER_LINGER_MS = 1000;

export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  /** Buffers handed out and not yet given back (for tests and diagnostics). */
  lent = 0;
  private lentBytes = 0;
  /** The most bytes lent at once since the pool was last idle: free buffers beyond that would never all be taken again. */
  private peakLentBytes = 0;
  private freeTotal = 0;
  private trim: NodeJS.Timeout | undefined;

  /** Bytes of the free buffers kept for reuse (for tests and diagnostics). */
  get freeBytes(): number {
    return this.freeTotal;
  }

  take(size: number): Buffer {
    this.lent++;
    this.lentBytes += size;
    this.peakLentBytes = Math.max(this.peakLentBytes, this.lentBytes);
    const reused = this.free.get(size)?.pop();
    if (reused === undefined) return Buffer.from(new SharedArrayBuffer(size));
    this.freeTotal -= size;
    return reused;
  }

  give(buffer: Buffer): void {
    this.lent--;
    this.lentBytes -= buffer.byteLength;
    const list = this.free.get(buffer.byteLength);
    if (list === undefined) this.free.set(buffer.byteLength, [buffer]);
    else list.push(buffer);
    this.freeTotal += buffer.byteLength;
    this.dropBeyondPeak(buffer.byteLength);
    // Kept only across back-to-back transfers: free buffers nobody took for a moment go (lent ones are not ours to drop).
    if (this.trim !== undefined) clearTimeout(this.trim);
    this.trim = setTimeout(() => {
      this.trim = undefined;
      this.clearFree();
      this.peakLentBytes = this.lentBytes;
    }, BUFFER_LINGER_MS);
    this.trim.unref();
  }

  close(): void {
    if (this.trim !== undefined) clearTimeout(this.trim);
    this.trim = undefined;
    this.clearFree();
  }

  /**
   * Every small file has pieces of its own size, so a burst of transfers that never pauses for the
   * linger would otherwise keep one set of buffers per file: sizes other than the one just given
   * go first, oldest first.
   */
  private dropBeyondPeak(keep: number): void {
    for (const [size, list] of this.free) {
      if (this.freeTotal + this.lentBytes <= this.peakLentBytes) return;
      if (size === keep) continue;
      while (list.length > 0 && this.freeTotal + this.lentBytes > this.peakLentBytes) {
        list.pop();
        this.freeTotal -= size;
      }
      if (list.length === 0) this.free.delete(size);
    }
  }

  private clearFree(): void {
    this.free.clear();
    this.freeTotal = 0;
  }
}

/**
 * One buffer per window slot, taken from the pool on first use at the size the job needs (one size
 * for every slot, or one per slot: download/slot-sizes.ts); release() gives them back.
 */
export class SlotBuffers {
  private readonly buffers: (Buffer | undefined)[];

  constructor(
    slots: number,
    private readonly size: number | readonly number[],
    private readonly pool: BufferPool,
  ) {
    this.buffers = new Array<Buffer | undefined>(slots);
  }

  get(slot: number): Buffer {
    let buffer = this.buffers[slot];
    if (buffer === undefined) {
      buffer = this.pool.take(typeof this.size === "number" ? this.size : (this.size[slot] as number));
      this.buffers[slot] = buffer;
    }
    return buffer;
  }

  /** Only once no task uses them any more (after the piece window has settled). */
  release(): void {
    for (let i = 0; i < this.buffers.length; i++) {
      const buffer = this.buffers[i];
      if (buffer !== undefined) this.pool.give(buffer);
      this.buffers[i] = undefined;
    }
  }
}

/**
 * Opens a file the application controls (a shared source, a cached file it was handed) for reading,
 * non-blocking: a pipe (FIFO) put at the path would otherwise block the open, on a libuv thread,
 * until a writer came, and with it the job and stop(). Nothing changes for a regular file; reading
 * anything else fails at once.
 */
export async function openAppFile(path: string): Promise<FileHandle> {
  return open(path, constants.O_RDONLY | constants.O_NONBLOCK);
}

// One list of what a platform that cannot sync a folder answers, for the async and the sync face.
export { syncDirectory } from "../fs/index.js";

/**
 * Creates `dir` and any missing parents, and syncs each directory made into its parent: a rename
 * into a new directory, synced there, survives a power loss only if the new directory's own entry
 * does too. Directories already there cost nothing.
 */
export async function makeDirectoryDurably(dir: string): Promise<void> {
  for (const made of await makeDirectories(dir)) await syncDirectory(dirname(made));
}

/**
 * `mkdir -p`, one level at a time; returns the directories it made, outermost first. Node's
 * recursive mkdir (sync and promise alike) never returns when mkdir answers ENOENT under a parent
 * that exists, as /proc does: it makes the parent again (EEXIST), retries the child and loops. Here
 * each missing directory is made once and the first refusal is thrown as the OS gave it. A path
 * through something that is not a folder is ENOTDIR whose `path` is that thing (the OS names only
 * the whole path), and `kind` says what it is ("file" or "other").
 */
export async function makeDirectories(dir: string): Promise<string[]> {
  const missing: string[] = [];
  // Below a component that is not a folder, stat answers ENOTDIR: walk up to that component.
  let underNonFolder = false;
  for (let at = resolve(dir); ; at = dirname(at)) {
    const info = await stat(at).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return error.code;
      throw error;
    });
    if (typeof info !== "string") {
      if (!info.isDirectory()) {
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: "ENOTDIR", syscall: "mkdir", path: at, kind: info.isFile() ? "file" : "other" });
      }
      break;
    }
    if (dirname(at) === at) break;
    if (info === "ENOTDIR") underNonFolder = true;
    else if (!underNonFolder) missing.push(at);
  }
  const made: string[] = [];
  for (const at of missing.reverse()) {
    try {
      await mkdir(at);
      made.push(at);
    } catch (error) {
      // Made meanwhile by someone else: that is what was wanted.
      if ((error as NodeJS.ErrnoException).code === "EEXIST" && (await stat(at).catch(() => undefined))?.isDirectory() === true) continue;
      throw error;
    }
  }
  return made;
}

/** One leased buffer: give it back with release() once nothing reads it any more (once is enough). */
export interface BufferLease {
  readonly buffer: Buffer;
  release(): void;
}

/**
 * Up to `count` buffers of one size, leased one at a time; a lease waits while all are out. Taken
 * from the pool on first need and reused between leases; release() gives them all back to the
 * pool, once no lease is out any more.
 */
export class LeasedBuffers {
  private readonly slots: Slots;
  private readonly idle: Buffer[] = [];
  private readonly owned: Buffer[] = [];

  constructor(
    count: number,
    private readonly size: number,
    private readonly pool: BufferPool,
  ) {
    this.slots = new Slots(count);
  }

  async lease(signal: AbortSignal, what: string): Promise<BufferLease> {
    const giveBack = await this.slots.acquire(signal, what);
    let buffer = this.idle.pop();
    if (buffer === undefined) {
      buffer = this.pool.take(this.size);
      this.owned.push(buffer);
    }
    const leased = buffer;
    let returned = false;
    return {
      buffer: leased,
      release: () => {
        if (returned) return;
        returned = true;
        this.idle.push(leased);
        giveBack();
      },
    };
  }

  release(): void {
    for (const buffer of this.owned) this.pool.give(buffer);
    this.owned.length = 0;
    this.idle.length = 0;
  }
}

/** A temp file this old is a crash's leftover, not another process's write in progress. */
export const STALE_TEMP_AGE_MS = 60 * 60 * 1000;

/**
 * Removes the files in `dir` that `isTemp` names temp files and that were last written more than
 * STALE_TEMP_AGE_MS ago: what interrupted writes left. Fresh ones stay (another process may be
 * writing them right now); a missing `dir` is nothing to do. Best effort: a file that cannot be
 * removed stays for the next sweep.
 */
export async function removeStaleTemps(dir: string, isTemp: (name: string) => boolean): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const cutoff = Date.now() - STALE_TEMP_AGE_MS;
  for (const name of names) {
    if (!isTemp(name)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && info.mtimeMs < cutoff) await rm(path, { force: true }).catch(() => undefined);
  }
}
