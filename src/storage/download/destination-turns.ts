import { raceSignal } from "../abort-error.js";
import type { Park } from "../job-queue.js";

/** A run's hold on its destination: released once the run has ended and given back what it held. */
export interface DestinationTurn {
  /** Whether another run held the destination when this one asked (it may have left the file there). */
  readonly waited: boolean;
  release(): void;
}

/**
 * One download run at a time per destination (a cache file, named by its content, or an `out`, its
 * folders' links followed). Two runs of one content into the cache each wrote a whole temp file under
 * the one reservation their content shares (twice the file on disk, counted once), and two fetches to
 * one `out` fetched it twice and each renamed a file onto it. The later run waits (not its
 * transfer's time), then finds the file the first left there or takes over when the first failed.
 * Waiters are woken together when the holder ends; the first to run takes the turn, the others wait
 * for it in their turn.
 */
export class DestinationTurns {
  private readonly held = new Map<string, { readonly ended: Promise<void> }>();

  /**
   * Waits while another run holds `place`, then holds it until the returned turn is released (once
   * is enough). Ends with the typed abort of `signal`. Each wait runs inside `aside` (the queue's
   * park: a waiter holds no queue slot); another run may take the place as it comes back, so it looks again.
   */
  async take(place: string, signal: AbortSignal, what: string, aside: Park): Promise<DestinationTurn> {
    let waited = false;
    for (let holder = this.held.get(place); holder !== undefined; holder = this.held.get(place)) {
      waited = true;
      const ended = holder.ended;
      await aside(() => raceSignal(ended, signal, what));
    }
    let end!: () => void;
    const entry = { ended: new Promise<void>((resolve) => (end = resolve)) };
    this.held.set(place, entry);
    let holding = true;
    return {
      waited,
      release: () => {
        if (!holding) return;
        holding = false;
        if (this.held.get(place) === entry) this.held.delete(place);
        end();
      },
    };
  }
}
