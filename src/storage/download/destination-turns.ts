import { raceSignal } from "../abort-error.js";
import type { Park } from "../job-queue.js";

/** A run's hold on its destination: released once the run has ended and given back what it held. */
export interface DestinationTurn {
  /** Whether another run of the same copy held the destination when this one asked (it may have left the file there). */
  readonly waited: boolean;
  release(): void;
}

/**
 * One download run at a time per destination and copy (a cache file, named by its content, or an
 * `out`, its folders' links followed; a copy, what the reference fetches: copyKey). Two runs of one
 * reference into the cache each wrote a whole temp file, and two fetches to one `out` fetched it
 * twice and each renamed a file onto it. The later run waits (not its transfer's time), then finds
 * the file the first left there or takes over when the first failed. Runs of other copies of the
 * same content do not wait for each other: a reference whose pieces hang, sent by anyone who knows
 * the file's sha256 and size, held up the real one for its whole deadline. Waiters are woken
 * together when the holder ends; the first to run takes the turn, the others wait for it in their turn.
 */
export class DestinationTurns {
  private readonly held = new Map<string, Map<string, { readonly ended: Promise<void> }>>();

  /**
   * Waits while another run of `copy` holds `place`, then holds it until the returned turn is
   * released (once is enough). Ends with the typed abort of `signal`. Each wait runs inside `aside`
   * (the queue's park: a waiter holds no queue slot); another run may take the place as it comes
   * back, so it looks again. Every run to an `out` passes the same copy: one writes to it at a time.
   */
  async take(place: string, copy: string, signal: AbortSignal, what: string, aside: Park): Promise<DestinationTurn> {
    let waited = false;
    for (let holder = this.held.get(place)?.get(copy); holder !== undefined; holder = this.held.get(place)?.get(copy)) {
      waited = true;
      const ended = holder.ended;
      await aside(() => raceSignal(ended, signal, what));
    }
    let end!: () => void;
    const entry = { ended: new Promise<void>((resolve) => (end = resolve)) };
    let copies = this.held.get(place);
    if (copies === undefined) {
      copies = new Map();
      this.held.set(place, copies);
    }
    const mine = copies;
    mine.set(copy, entry);
    let holding = true;
    return {
      waited,
      release: () => {
        if (!holding) return;
        holding = false;
        if (mine.get(copy) === entry) mine.delete(copy);
        if (mine.size === 0 && this.held.get(place) === mine) this.held.delete(place);
        end();
      },
    };
  }
}
