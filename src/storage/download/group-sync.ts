import type { FileHandle } from "node:fs/promises";

/**
 * Makes pieces written into a download's temp file durable in groups (group commit): one datasync
 * covers every piece whose write had finished when it began, and those pieces are then journaled
 * together. At most one sync runs per download, so the pieces in flight do not each hold a libuv
 * thread in fdatasync (four of them starve the reads and writes queued behind), and a piece never
 * waits for a sync before its slot is reused. A piece is journaled only after a sync that began
 * after its write finished: a journaled piece is always on disk.
 */
export class GroupSync {
  private written: number[] = [];
  private running: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly handle: FileHandle,
    /** Journals pieces that are on disk (one transaction). */
    private readonly journal: (pieces: readonly number[]) => void,
  ) {}

  /** Piece `index` is written (its write has resolved); it will be synced and journaled. Throws an earlier sync's failure. */
  add(index: number): void {
    this.throwIfFailed();
    this.written.push(index);
    this.running ??= this.loop();
  }

  /** Resolves once every piece added so far is synced and journaled; rejects with a sync's failure. */
  async drain(): Promise<void> {
    while (this.running !== undefined) await this.running;
    this.throwIfFailed();
  }

  /** Waits for a sync in flight without reporting its failure (before the handle is closed on an error path). */
  async settle(): Promise<void> {
    while (this.running !== undefined) await this.running.catch(() => undefined);
  }

  private async loop(): Promise<void> {
    try {
      while (this.written.length > 0 && this.failure === undefined) {
        const group = this.written;
        this.written = [];
        await this.handle.datasync();
        this.journal(group);
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.running = undefined;
    }
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}
