import { raceSignal } from "./abort-error.js";

/**
 * A counting bound: at most `size` holders at once, the others wait in order. It bounds the
 * streamed fetches a client runs (each holds its pieces in memory) and a download's pieces not yet
 * journaled (what a crash would fetch again). A holder gives its slot back once, however it ends;
 * one that never does keeps the others waiting.
 */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Resolves with the function that gives the slot back (call it once); rejects when `signal` fires first. */
  async acquire(signal: AbortSignal, what: string): Promise<() => void> {
    if (this.free > 0) {
      this.free--;
      return this.releaser();
    }
    let granted = false;
    let grant!: () => void;
    const turn = new Promise<void>((resolve) => {
      grant = () => {
        granted = true;
        resolve();
      };
      this.waiting.push(grant);
    });
    try {
      await raceSignal(turn, signal, what);
    } catch (error) {
      // Given up while waiting: leave the queue, or pass on a slot handed over meanwhile.
      const at = this.waiting.indexOf(grant);
      if (at >= 0) this.waiting.splice(at, 1);
      if (granted) this.releaser()();
      throw error;
    }
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.free++;
    };
  }
}
