/**
 * How many bytes of an upload's slices may wait in Node's buffer ahead of the socket before the
 * upload waits for it to drain: as much as drains quickly, never more than MAX_AHEAD_BYTES.
 *
 * Waiting after every 64 KiB slice cost about 800 waits per 50 MiB and a third more CPU than
 * @codex-storage/sdk-js's upload (bench: storage, codex). Running further ahead on a slow uplink
 * would not do: slices queued while a write is under way go out in one writev whose callbacks all
 * come at its end, so the progress reports and the idle deadline would see nothing until the lot
 * has gone (1 MiB at 30 KB/s: past the default 30 s idle deadline). So the budget doubles after a
 * drain that came within FAST_DRAIN_MS and falls back to one slice after one that took longer than
 * SLOW_DRAIN_MS: on a link that drains 1 MiB within FAST_DRAIN_MS (some 25 MB/s and faster) it
 * reaches the maximum; on a slow one it stays at one slice, as before. Quick drains can also be
 * socket buffers filling before a slow link shows: the exchange's stall deadline gives such a batch
 * more time (HttpExchange.uploadStalled).
 */
export class UploadAhead {
  static readonly FAST_DRAIN_MS = 20;
  static readonly SLOW_DRAIN_MS = 100;
  static readonly MAX_AHEAD_BYTES = 1024 * 1024;

  private budget: number;

  constructor(private readonly sliceBytes: number) {
    this.budget = sliceBytes;
  }

  /** Bytes that may wait ahead of the socket now. */
  get bytes(): number {
    return this.budget;
  }

  /** A wait for the socket to drain took `ms`. */
  drained(ms: number): void {
    if (ms <= UploadAhead.FAST_DRAIN_MS) this.budget = Math.min(this.budget * 2, Math.max(UploadAhead.MAX_AHEAD_BYTES, this.sliceBytes));
    else if (ms > UploadAhead.SLOW_DRAIN_MS) this.budget = this.sliceBytes;
  }
}
