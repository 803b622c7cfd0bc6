import { open, readdir, stat } from "node:fs/promises";
import { StorageError } from "../../storage-error.js";
import type { BlockPaths } from "./block-paths.js";
import { isMissing } from "./local-errors.js";
import { checkHeader, decodeEntries, ENTRY_BYTES, HEADER_BYTES, TOMBSTONE, type IndexEntry } from "./index-format.js";

/** Where a live block's bytes are. */
export interface LogLocation {
  readonly writer: string;
  readonly segment: string;
  readonly offset: number;
  readonly length: number;
}

interface Latest {
  readonly entry: IndexEntry;
  readonly writer: string;
}

interface IndexFile {
  /** Where the next read of this index resumes: after the header and the last valid entry. */
  readFrom: number;
  /** Written by this instance: its entries are adopted as they commit, never read back. */
  readonly own: boolean;
}

/** Index bytes read per call while loading (a whole number of entries). */
const READ_BYTES = ENTRY_BYTES * 16 * 1024;

/**
 * The in-memory index over every writer's `.idx` under `log/`: for each digest, the entry with the
 * highest seq (a tombstone with a higher seq than a block kills it). Loaded on first use; each
 * file's read offset is kept, so a refresh reads only new pairs and the new tails of known ones
 * (other instances and processes keep appending to theirs).
 */
export class LogIndex {
  private readonly latest = new Map<string, Latest>();
  private readonly files = new Map<string, IndexFile>();
  /** The largest seq seen in any index or issued here (the Lamport clock). */
  private maxSeq = 0;
  private loading: Promise<void> | undefined;
  /** Set once an index this release must not touch was found: every operation fails with it. */
  private refusal: StorageError | undefined;
  private scanning: Promise<void> | undefined;
  private rescan: Promise<void> | undefined;

  constructor(private readonly paths: BlockPaths) {}

  /** Resolves once every index was read once; throws the refusal of a store from the future on every call after. */
  async ready(): Promise<void> {
    if (this.refusal !== undefined) throw this.refusal;
    this.loading ??= this.refresh().catch((error: unknown) => {
      // A passing disk error may be retried by the next call; a refusal sticks (it is in `refusal`).
      this.loading = undefined;
      throw error;
    });
    await this.loading;
  }

  /** The live block under `digestHex` as far as this instance has read, without touching the disk. */
  lookup(digestHex: string): LogLocation | undefined {
    const found = this.latest.get(digestHex);
    if (found === undefined || found.entry.kind === TOMBSTONE) return undefined;
    return { writer: found.writer, segment: this.paths.segment(found.writer), offset: found.entry.offset, length: found.entry.length };
  }

  /** Drops what a writer's pair held: its files were removed from under the store. */
  forget(writer: string): void {
    for (const [key, latest] of this.latest) if (latest.writer === writer) this.latest.delete(key);
  }

  /** The next seq to issue: above everything seen or issued. */
  nextSeq(): number {
    return ++this.maxSeq;
  }

  /** A new pair of this instance: never read back from disk (its entries arrive through adopt). */
  own(writer: string): void {
    this.files.set(writer, { readFrom: Number.POSITIVE_INFINITY, own: true });
  }

  /** Entries this instance has just made durable in its own pair. */
  adopt(writer: string, entries: readonly IndexEntry[]): void {
    for (const entry of entries) this.apply(writer, entry);
  }

  /**
   * Reads new pairs and new tails. A call made while a read is under way waits for a fresh one
   * (the running one may have passed a file before the entry the caller looks for was written).
   */
  refresh(): Promise<void> {
    if (this.refusal !== undefined) return Promise.reject(this.refusal);
    if (this.scanning === undefined) {
      this.scanning = this.scan().finally(() => {
        this.scanning = undefined;
      });
      return this.scanning;
    }
    this.rescan ??= this.scanning
      .catch(() => undefined)
      .then(() => {
        this.rescan = undefined;
        return this.refresh();
      });
    return this.rescan;
  }

  private async scan(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.paths.log);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const name of names) {
      if (!name.endsWith(".idx")) continue;
      const writer = name.slice(0, -".idx".length);
      let file = this.files.get(writer);
      if (file?.own === true) continue;
      if (file === undefined) {
        file = { readFrom: 0, own: false };
        this.files.set(writer, file);
      }
      try {
        await this.readTail(writer, file);
      } catch (error) {
        if (error instanceof StorageError) this.refusal ??= error;
        throw error;
      }
    }
  }

  private async readTail(writer: string, file: IndexFile): Promise<void> {
    let handle;
    try {
      // One stat per known file per refresh; opened only when it holds a new whole entry (or a header to check).
      if (file.readFrom > 0 && (await stat(this.paths.index(writer))).size < file.readFrom + ENTRY_BYTES) return;
      handle = await open(this.paths.index(writer), "r");
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    try {
      const size = (await handle.stat()).size;
      if (file.readFrom === 0) {
        if (size < HEADER_BYTES) return; // a writer that has just created it: looked at again next time
        const header = Buffer.alloc(HEADER_BYTES);
        const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
        if (!checkHeader(header.subarray(0, bytesRead), this.paths.index(writer))) return;
        file.readFrom = HEADER_BYTES;
      }
      while (file.readFrom + ENTRY_BYTES <= size) {
        const want = Math.min(READ_BYTES, Math.floor((size - file.readFrom) / ENTRY_BYTES) * ENTRY_BYTES);
        const bytes = Buffer.alloc(want);
        const { bytesRead } = await handle.read(bytes, 0, want, file.readFrom);
        const { entries, consumed } = decodeEntries(bytes.subarray(0, bytesRead));
        for (const entry of entries) this.apply(writer, entry);
        file.readFrom += consumed;
        // A torn or half-written entry: nothing behind it is trusted (a live writer may complete it; read again then).
        if (consumed < want) return;
      }
    } finally {
      await handle.close();
    }
  }

  private apply(writer: string, entry: IndexEntry): void {
    if (entry.seq > this.maxSeq) this.maxSeq = entry.seq;
    const key = entry.digest.toString("hex");
    const known = this.latest.get(key);
    // Equal seqs come from writers that had not seen each other; the tombstone wins so that every reader agrees.
    if (known === undefined || entry.seq > known.entry.seq || (entry.seq === known.entry.seq && entry.kind === TOMBSTONE)) {
      this.latest.set(key, { entry, writer });
    }
  }
}
