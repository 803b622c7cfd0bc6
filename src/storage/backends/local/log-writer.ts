import { StorageError } from "../../storage-error.js";
import type { BlockPaths } from "./block-paths.js";
import type { LogIndex } from "./log-index.js";
import { LogPair, type SyncCounts } from "./log-pair.js";

/** A segment is left for a fresh pair once it passes this (keeps files a manageable size). */
export const SEGMENT_LIMIT_BYTES = 256 * 1024 * 1024;

/**
 * This instance's writing side of the log: the current pair, created lazily at the first write,
 * replaced by a fresh one (fresh writer id) when its segment is full or one of its barriers failed.
 * Retired pairs close once their puts and cycles have settled.
 */
export class LogWriter {
  readonly counts: SyncCounts = { segmentSyncs: 0, indexSyncs: 0 };
  private current: LogPair | undefined;
  private readonly retiring = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly paths: BlockPaths,
    private readonly index: LogIndex,
    private readonly segmentLimit: number = SEGMENT_LIMIT_BYTES,
  ) {}

  async put(bytes: Uint8Array, digest: Promise<Buffer>, signal: AbortSignal | undefined): Promise<Buffer> {
    try {
      return await this.pair().put(bytes, digest, signal);
    } catch (error) {
      // The files were removed under us (a wiped store directory): once more, in a fresh pair.
      if (!wasRemoved(error)) throw error;
      return this.pair().put(bytes, digest, signal);
    }
  }

  tombstone(digest: Buffer, signal: AbortSignal | undefined, what: string): Promise<Buffer> {
    return this.pair().tombstone(digest, signal, what);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.current !== undefined) this.retire(this.current);
    this.current = undefined;
    while (this.retiring.size > 0) await Promise.all([...this.retiring]);
  }

  private pair(): LogPair {
    // A put that passed the store's guard just before close() must not open files after it.
    if (this.closed) throw new StorageError("E_CLIENT_CLOSED", "the local store was closed while this call was under way");
    if (this.current?.usable !== true) {
      if (this.current !== undefined) this.retire(this.current);
      this.current = new LogPair(this.paths, this.index, this.counts, this.segmentLimit);
    }
    return this.current;
  }

  private retire(pair: LogPair): void {
    const closing = pair.close().catch(() => undefined);
    this.retiring.add(closing);
    void closing.then(() => this.retiring.delete(closing));
  }
}

function wasRemoved(error: unknown): boolean {
  return (error as { details?: { removed?: unknown } } | null)?.details?.removed === true;
}
