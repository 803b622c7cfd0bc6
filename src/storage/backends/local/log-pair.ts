import { randomBytes } from "node:crypto";
import { mkdir, open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { throwIfAborted, raceSignal } from "../../abort-error.js";
import { syncDirectory, writeAt } from "../../file-io.js";
import { StorageError } from "../../storage-error.js";
import type { BlockPaths } from "./block-paths.js";
import { BLOCK, encodeEntry, encodeHeader, ENTRY_BYTES, HEADER_BYTES, TOMBSTONE, type EntryKind, type IndexEntry } from "./index-format.js";
import type { LogIndex } from "./log-index.js";

/** How many barriers the store has asked for (read by tests: group commit must need fewer than one per put). */
export interface SyncCounts {
  segmentSyncs: number;
  indexSyncs: number;
}

interface Queued {
  readonly kind: EntryKind;
  readonly offset: number;
  readonly length: number;
  readonly digest: Buffer;
  resolve(): void;
  reject(error: unknown): void;
}

interface Handles {
  readonly segment: FileHandle;
  readonly index: FileHandle;
}

/**
 * One writer's segment and index (`log/<writer>.seg`, `.idx`), written only by this instance.
 *
 * The rule everything rests on: an index entry exists only if the bytes it points to are durable.
 * Puts write their bytes at offsets reserved here; then, one cycle at a time (group commit), one
 * datasync of the segment that began after their writes ended, their entries appended to the index
 * in one write, one datasync of the index, and only then do they resolve. A put whose write ends
 * while a cycle runs joins the next one. An aborted or failed put leaves a hole without an entry.
 * Segment space is never reclaimed in v1 (no compaction).
 */
export class LogPair {
  readonly writer = randomBytes(8).toString("hex");
  /** The next free byte of the segment (reserved synchronously, so concurrent puts never wait for each other). */
  private tail = 0;
  private indexTail = HEADER_BYTES;
  private opening: Promise<Handles> | undefined;
  /** Its first cycle also waits for the two new names to be durable (fsync of `log/`, begun when they were made). */
  private namesDurable = false;
  private namesSynced: Promise<void> = Promise.resolve();
  private madeDirectories = false;
  private queued: Queued[] = [];
  private cycle: Promise<void> | undefined;
  /** A failed write or datasync: nothing more is trusted to this pair (the writer moves to a fresh one). */
  private failure: StorageError | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private verified: Promise<void> | undefined;

  constructor(
    private readonly paths: BlockPaths,
    private readonly index: LogIndex,
    private readonly counts: SyncCounts,
    private readonly segmentLimit: number,
  ) {}

  /** False once the segment passed its limit or a barrier failed: the next put goes to a fresh pair. */
  get usable(): boolean {
    return this.failure === undefined && this.tail <= this.segmentLimit;
  }

  /** Writes `bytes`, then resolves with their digest once they are durable and indexed. */
  put(bytes: Uint8Array, digest: Promise<Buffer>, signal: AbortSignal | undefined): Promise<Buffer> {
    const offset = this.tail;
    this.tail += bytes.byteLength;
    // The first put of a burst makes sure the pair's files are still there (a store directory wiped
    // while idle); the burst's other puts wait for that one look instead of writing into a lost file.
    if (this.inFlight.size === 0) this.verified = undefined;
    const verified = (this.verified ??= this.open().then(({ segment }) => this.checkNotRemoved(segment)));
    return this.track(async () => {
      await verified;
      const handles = await this.open();
      const [, hashed] = await Promise.all([writeAt(handles.segment, bytes, offset), digest]);
      // Aborted now: the range stays a hole without an entry.
      throwIfAborted(signal, "put to the local store");
      return { value: hashed, committed: this.commit(BLOCK, offset, bytes.byteLength, hashed) };
    }, signal, "put to the local store");
  }

  /** Indexes a tombstone for `digest` (an index-only cycle). */
  tombstone(digest: Buffer, signal: AbortSignal | undefined, what: string): Promise<Buffer> {
    return this.track(async () => {
      await this.open();
      return { value: digest, committed: this.commit(TOMBSTONE, 0, 0, digest) };
    }, signal, what);
  }

  /** Waits for every put and cycle under way, then closes the files. */
  async close(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    const handles = await this.opening?.catch(() => undefined);
    await handles?.segment.close().catch(() => undefined);
    await handles?.index.close().catch(() => undefined);
  }

  /**
   * Runs `work` (which hands back its commit) and waits for the commit unless the signal fires. The
   * commit is counted until it settles even when the caller stopped waiting, so close() never
   * closes the files under a cycle.
   */
  private track(work: () => Promise<{ value: Buffer; committed: Promise<void> }>, signal: AbortSignal | undefined, what: string): Promise<Buffer> {
    const started = work();
    const settled = started.then(({ committed }) => committed).then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return started.then(async ({ value, committed }) => {
      await raceSignal(committed, signal, what);
      return value;
    });
  }

  private commit(kind: EntryKind, offset: number, length: number, digest: Buffer): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ kind, offset, length, digest, resolve, reject });
      this.cycle ??= this.runCycles();
    });
  }

  private async runCycles(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        const group = this.queued;
        this.queued = [];
        try {
          await this.commitGroup(group);
        } catch (error) {
          const failure = asLocalIo(error);
          // A refusal (a store from the future appeared) is no fault of this file; anything else is.
          if (failure.code === "E_LOCAL_IO") this.failure ??= failure;
          for (const waiting of [...group, ...this.queued]) waiting.reject(failure);
          this.queued = [];
          return;
        }
        for (const waiting of group) waiting.resolve();
      }
    } finally {
      this.cycle = undefined;
    }
  }

  private async commitGroup(group: readonly Queued[]): Promise<void> {
    const { segment, index } = await this.open();
    const barriers: Promise<unknown>[] = [this.seeOtherWriters(), this.checkNotRemoved(segment)];
    if (group.some((waiting) => waiting.kind === BLOCK)) {
      this.counts.segmentSyncs++;
      barriers.push(segment.datasync());
    }
    if (!this.namesDurable) barriers.push(this.namesSynced);
    await Promise.all(barriers);
    this.namesDurable = true;
    const entries: IndexEntry[] = [];
    const bytes = Buffer.allocUnsafe(group.length * ENTRY_BYTES);
    for (const [i, waiting] of group.entries()) {
      const entry: IndexEntry = { kind: waiting.kind, offset: waiting.offset, length: waiting.length, digest: waiting.digest, seq: this.index.nextSeq() };
      encodeEntry(entry, bytes, i * ENTRY_BYTES);
      entries.push(entry);
    }
    await writeAt(index, bytes, this.indexTail);
    this.indexTail += bytes.byteLength;
    this.counts.indexSyncs++;
    await index.datasync();
    this.index.adopt(this.writer, entries);
  }

  /**
   * Reads what other writers appended, so the seqs issued next are above theirs (a put after
   * another instance's delete must outrank its tombstone). Their unreadable files are no reason to
   * fail this cycle; an index from the future is (everything is refused from then on).
   */
  private async seeOtherWriters(): Promise<void> {
    try {
      await this.index.refresh();
    } catch (error) {
      if (error instanceof StorageError) throw error;
    }
  }

  /** The new files' names, and the directories made for them, durable before any entry is acknowledged. */
  private async syncNames(): Promise<void> {
    if (!this.madeDirectories) return syncDirectory(this.paths.log);
    // Together (the file system can commit them as one). The store's own directory may have been
    // made too (mkdir -p): its name lives in its parent.
    await Promise.all([syncDirectory(this.paths.log), syncDirectory(this.paths.root), syncDirectory(dirname(this.paths.root)).catch(() => undefined)]);
  }

  /** A segment unlinked under us (the store's directory was wiped) would swallow acknowledged puts. */
  private async checkNotRemoved(segment: FileHandle): Promise<void> {
    if ((await segment.stat()).nlink > 0) return;
    this.failure ??= new StorageError("E_LOCAL_IO", `the local store's segment ${this.paths.segment(this.writer)} was removed while in use`, {
      details: { code: "ENOENT", removed: true },
    });
    throw this.failure;
  }

  private open(): Promise<Handles> {
    this.opening ??= this.create().then(
      (handles) => {
        // Started at once, so it runs while the first puts write their bytes rather than after them.
        this.namesSynced = this.syncNames();
        this.namesSynced.catch(() => undefined);
        return handles;
      },
      (error: unknown) => {
        this.failure ??= asLocalIo(error);
        throw this.failure;
      },
    );
    return this.opening;
  }

  /** Both files, made with `wx` (a fresh writer id never meets an existing file), the index with its header. */
  private async create(): Promise<Handles> {
    this.index.own(this.writer);
    let segment: FileHandle;
    try {
      segment = await open(this.paths.segment(this.writer), "wx");
    } catch (error) {
      if ((error as { code?: unknown }).code !== "ENOENT") throw error;
      await mkdir(this.paths.log, { recursive: true });
      this.madeDirectories = true;
      segment = await open(this.paths.segment(this.writer), "wx");
    }
    try {
      const index = await open(this.paths.index(this.writer), "wx");
      try {
        await writeAt(index, encodeHeader(), 0);
      } catch (error) {
        await index.close().catch(() => undefined);
        throw error;
      }
      return { segment, index };
    } catch (error) {
      await segment.close().catch(() => undefined);
      throw error;
    }
  }
}

function asLocalIo(error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  return new StorageError("E_LOCAL_IO", `writing the local store's log failed (${typeof code === "string" ? code : "I/O error"}); check free space and permissions.`, {
    cause: error,
    details: { code },
  });
}
