import type { FileHandle } from "node:fs/promises";

interface Written {
  readonly index: number;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Makes pieces written into a download's temp file durable in groups (group commit): one datasync
 * covers every piece whose write had finished when it began, and those pieces are then journaled
 * together. At most one sync runs per download, so the pieces in flight do not each hold a libuv
 * thread in fdatasync (four of them starve the reads and writes queued behind). A piece is
 * journaled only after a sync that began after its write finished: a journaled piece is always on
 * disk. Tasks need not wait for it (their buffers are free once the write is done).
 */
export class GroupSync {
  private written: Written[] = [];
  private running: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly handle: FileHandle,
    /** Journals pieces that are on disk (one transaction). */
    private readonly journal: (pieces: readonly number[]) => void,
  ) {}

  /** Piece `index` is written (its write has resolved); resolves once it is synced and journaled. */
  durable(index: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure.error);
    return new Promise<void>((resolve, reject) => {
      this.written.push({ index, resolve, reject });
      this.running ??= this.loop();
    });
  }

  /** Throws the failure of an earlier sync: no piece is worth fetching after one. */
  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Waits until every piece handed over is journaled or failed (and before the handle is closed, whatever happened). */
  async settle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async loop(): Promise<void> {
    try {
      while (this.written.length > 0) {
        const group = this.written;
        this.written = [];
        try {
          await this.handle.datasync();
          this.journal(group.map((w) => w.index));
        } catch (error) {
          this.failure ??= { error };
          for (const w of [...group, ...this.written]) w.reject(error);
          this.written = [];
          return;
        }
        for (const w of group) w.resolve();
      }
    } finally {
      this.running = undefined;
    }
  }
}
