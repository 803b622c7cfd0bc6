import type { DownloadJobRow } from "./journal/download-journal.js";
import type { UploadJobRow } from "./journal/upload-journal.js";
import { decodeReference } from "./reference-codec.js";
import { linkedSignal } from "./retry/index.js";
import { Slots } from "./slots.js";

/*
 * Which jobs take the queue's lane for small jobs (job-queue.ts): those whose whole file fits one
 * piece of this client's (pieceSize, 4 MiB by default), a photo or a voice note. A received file
 * of one large piece (a peer may use pieces up to maxPieceBytes) is no small job.
 */

export function smallUpload(row: UploadJobRow | undefined, pieceSize: number): boolean {
  return row !== undefined && row.plaintext_size <= pieceSize;
}

/** Throws when the row's reference no longer decodes (the queue counts it large; its run fails it). */
export function smallDownload(row: DownloadJobRow | undefined, protocol: number, pieceSize: number): boolean {
  return row !== undefined && decodeReference(row.file_reference, protocol).view.plaintextSize <= pieceSize;
}

/**
 * A bound of `size` holders (cache hits checked, shares of bytes spooled at once) with a lane of one
 * for small holders, as the job queues have: a small one takes whichever comes first, a slot in its
 * turn or the lane, so a photo's bytes shared after a video's are spooled beside the video, not
 * after it. The slots stay first come, first served, so small ones can fill the lane but never take
 * a large one's turn; at most `size + 1` hold at once.
 */
export class LanedSlots extends Slots {
  private readonly lane = new Slots(1);

  /** Runs `work` holding a slot, or the lane when `small` and that comes first; gives it back however `work` ends. */
  async runLaned<T>(signal: AbortSignal | undefined, what: string, small: boolean, work: () => Promise<T>): Promise<T> {
    const release = small ? await this.slotOrLane(signal, what) : await this.acquire(signal, what);
    try {
      return await work();
    } finally {
      release();
    }
  }

  private slotOrLane(signal: AbortSignal | undefined, what: string): Promise<() => void> {
    const other = new AbortController();
    // Not AbortSignal.any: on Node 20 it leaves an entry on a long-lived parent (a client's stop signal) per call.
    const either = linkedSignal([signal, other.signal], undefined, what);
    return new Promise<() => void>((resolve, reject) => {
      let won = false;
      let failed = 0;
      for (const bound of [this as Slots, this.lane]) {
        bound.acquire(either.signal, what).then(
          (release) => {
            // Both granted in one turn: the second goes straight back.
            if (won) return release();
            won = true;
            // The other wait ends (a slot handed over meanwhile is passed on, Slots.acquire).
            other.abort();
            resolve(release);
          },
          (error: unknown) => {
            // Both waits ended without a grant only when the caller's signal fired.
            if (!won && ++failed === 2) reject(error);
          },
        );
      }
    }).finally(() => either.dispose());
  }
}
