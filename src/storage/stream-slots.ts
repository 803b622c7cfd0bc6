import { raceSignal } from "./abort-error.js";

/**
 * A client-wide bound on streamed fetches running at once: each holds its pieces in flight in
 * memory, so without it an application opening many streams holds many windows. A stream takes a
 * slot when it starts reading and gives it back when it ends, fails or is returned; the others wait
 * in order. (A consumer that pauses more streams than there are slots while it waits on another
 * one would wait for ever: read streams to the end, or return them.)
 */
export class StreamSlots {
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
