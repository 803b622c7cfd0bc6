/**
 * What is left of one job's transfer: a download's or a stream's pieces still to fetch, an upload's
 * still to store. withRetries judges an endpoint's rate against it, not against one piece: at a rate
 * where each piece alone ends before the job's deadline, the file as a whole may not, and judged
 * piece by piece every piece stayed on a slow endpoint until the deadline was nearly spent.
 */
export class JobRemainder {
  private bytes = 0;
  private pieces = 0;

  /** `sizes`: the bytes each piece still to transfer moves; `parallel`: how many the job moves at once. */
  constructor(sizes: Iterable<number>, readonly parallel: number) {
    for (const size of sizes) {
      this.bytes += size;
      this.pieces += 1;
    }
  }

  /** A piece of `bytes` is through (fetched and verified, or stored); once per piece. */
  pieceDone(bytes: number): void {
    this.bytes = Math.max(0, this.bytes - bytes);
    this.pieces = Math.max(0, this.pieces - 1);
  }

  /** Bytes of the pieces not through yet, each counted whole (those on their way among them). */
  get bytesLeft(): number {
    return this.bytes;
  }

  /** How many of them move at once: the job's width, or fewer when fewer are left. */
  get inFlight(): number {
    return Math.max(1, Math.min(this.parallel, this.pieces));
  }
}
