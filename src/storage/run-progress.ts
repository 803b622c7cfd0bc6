import type { TransferProgress } from "./transfer-job.js";

/**
 * A run's progress for its handle: whole pieces done (piecesDone, bytesDone), and what has moved of
 * the pieces on their way (bytesInFlight: an upload's bytes the transport took, a download's that
 * arrived). bytesDone alone moves a piece (4 MiB) at a time, and a one-piece photo's bar sat at 0
 * until it jumped to the end, minutes on a phone's link.
 */
export class RunProgress {
  /** Plaintext bytes moved of each piece in flight, by index; out once the piece is counted done. */
  private readonly moving = new Map<number, number>();

  constructor(
    private readonly job: { setProgress(progress: TransferProgress): void } | undefined,
    private readonly piecesTotal: number,
    private readonly bytesTotal: number,
    private piecesDone: number,
    private bytesDone: number,
  ) {
    // A resume counts on from what the journal has (the handle showed it), never back from zero.
    this.report();
  }

  /** `moved` of the `sealedSize` bytes of a piece of `plainSize` plaintext bytes have moved (a retry's attempt counts from its own). */
  moved(index: number, moved: number, sealedSize: number, plainSize: number): void {
    this.moving.set(index, Math.min(plainSize, Math.floor((moved * plainSize) / sealedSize)));
    this.report();
  }

  /** A piece of `plainBytes` is done: counted in bytesDone, no longer in flight. */
  pieceDone(index: number, plainBytes: number): void {
    this.piecesDone++;
    this.bytesDone += plainBytes;
    this.moving.delete(index);
    this.report();
  }

  private report(): void {
    let bytesInFlight = 0;
    for (const bytes of this.moving.values()) bytesInFlight += bytes;
    const progress = { piecesDone: this.piecesDone, piecesTotal: this.piecesTotal, bytesDone: this.bytesDone, bytesTotal: this.bytesTotal };
    // Absent when nothing is on its way: the reports of pieces done are what they were.
    this.job?.setProgress(bytesInFlight === 0 ? progress : { ...progress, bytesInFlight });
  }
}
