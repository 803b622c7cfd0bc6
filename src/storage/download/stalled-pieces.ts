/**
 * Whether a download makes no progress: every piece it has in flight has failed at least once since
 * its last verified piece (a reference to blocks no node has, or whose only node is offline). Such a
 * run gives its queue slot to a waiting job at its next attempt (JobQueue's TakeTurn); a piece that
 * fails while the others still move is no stall.
 */
export class StalledPieces {
  private readonly inFlight = new Set<number>();
  private readonly failed = new Set<number>();

  started(piece: number): void {
    this.inFlight.add(piece);
  }

  /** The piece's fetch ended, verified or given up. */
  ended(piece: number): void {
    this.inFlight.delete(piece);
    this.failed.delete(piece);
  }

  failedOnce(piece: number): void {
    if (this.inFlight.has(piece)) this.failed.add(piece);
  }

  /** A piece was verified: progress, so no piece has failed since. */
  verified(): void {
    this.failed.clear();
  }

  get stalled(): boolean {
    if (this.inFlight.size === 0) return false;
    for (const piece of this.inFlight) if (!this.failed.has(piece)) return false;
    return true;
  }
}
