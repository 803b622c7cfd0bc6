import { abortedError, raceSignal } from "./abort-error.js";

/** A holder's slot, offered to whoever waits once the holder has been idle long enough (see Slots.offer). */
export interface SlotOffer {
  /**
   * The holder is busy again: true when its slot is gone (taken back meanwhile, `giveUp` has run or
   * is awaited here), false when it still holds it.
   */
  withdraw(): Promise<boolean>;
}

interface Offered {
  readonly since: number;
  readonly afterMs: number;
  readonly giveUp: () => Promise<void>;
  taken: Promise<void> | undefined;
}

/**
 * A counting bound: at most `size` holders at once, the others wait in order. It bounds the
 * streamed fetches a client runs (each holds its pieces in memory), the cache hits it checks at once
 * (each holds a descriptor and its read buffers) and a download's pieces not yet journaled (what a
 * crash would fetch again). A holder gives its slot back once, however it ends.
 * A holder that goes idle for a while (a stream whose consumer paused) may offer its slot: once it
 * has been idle `afterMs` while someone waits, its `giveUp` runs (frees what the slot bounds, then
 * gives the slot back), so an idle holder delays the others by at most `afterMs`.
 */
export class Slots {
  private free: number;
  private readonly waiting: { readonly weight: number; readonly grant: () => void }[] = [];
  private readonly offers = new Set<Offered>();
  /** Holders that took their units past waiters (acquire's `overtake`) and hold them still: at most one. */
  private overtaking = 0;
  /** Armed only while someone waits and an offer is not yet old enough: no timer per offer. */
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Units held now (a weighted holder counts its weight). */
  get held(): number {
    return this.size - this.free;
  }

  /**
   * Resolves with the function that gives the slot back (call it once); rejects when `signal` fires
   * first (no signal: waits its turn whatever happens). A holder may take `weight` units at once (a
   * budget of bytes); one heavier than the whole size is granted alone, once every unit is free.
   * Waiters are served in order: a light one never overtakes a heavy one waiting before it, unless
   * it may `overtake` (a job in a queue's lane for small jobs, job-queue.ts), fits in what is free
   * now, and no other overtaking holder holds units: the heavy one waits at most one such holder
   * longer (a release serves the head first). Counted here, not per lane: the upload and download
   * queues each have a lane, and their small jobs taking turns to overtake kept a heavy waiter
   * (one granted only once every unit is free) waiting for as long as both streams lasted.
   */
  async acquire(signal: AbortSignal | undefined, what: string, weight = 1, overtake = false): Promise<() => void> {
    // Refused as a wait would be: a free slot granted to work already cancelled ran it all the same
    // (a share of bytes cancelled right after share() returned was spooled, ab2777c).
    if (signal?.aborted === true) throw abortedError(signal.reason, what);
    if (this.waiting.length === 0 && this.fits(weight)) {
      this.free -= weight;
      return this.releaser(weight);
    }
    if (overtake && this.overtaking === 0 && this.free >= weight) {
      this.free -= weight;
      this.overtaking++;
      const release = this.releaser(weight);
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        this.overtaking--;
        release();
      };
    }
    let granted = false;
    let grant!: () => void;
    const turn = new Promise<void>((resolve) => {
      grant = () => {
        granted = true;
        resolve();
      };
      this.waiting.push({ weight, grant });
    });
    this.reclaimIdle();
    try {
      await raceSignal(turn, signal, what);
    } catch (error) {
      // Given up while waiting: leave the queue, or pass on a slot handed over meanwhile.
      const at = this.waiting.findIndex((w) => w.grant === grant);
      if (at >= 0) this.waiting.splice(at, 1);
      if (granted) this.releaser(weight)();
      // A heavy waiter that left may have held lighter ones back.
      else this.grantWaiting();
      this.disarmWhenNobodyWaits();
      throw error;
    }
    return this.releaser(weight);
  }

  /** Runs `work` holding a slot (waiting for one first), and gives it back however `work` ends. */
  async run<T>(signal: AbortSignal | undefined, what: string, work: () => Promise<T>, weight = 1): Promise<T> {
    const release = await this.acquire(signal, what, weight);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /**
   * The caller holds a slot and goes idle: once idle for `afterMs` while someone waits, `giveUp`
   * runs (it must give the slot back itself, after freeing what the slot bounds). No timer unless
   * someone waits.
   */
  offer(afterMs: number, giveUp: () => Promise<void>): SlotOffer {
    const entry: Offered = { since: performance.now(), afterMs, giveUp, taken: undefined };
    this.offers.add(entry);
    // An armed timer fires before this offer comes of age (same or shorter afterMs) and looks again then;
    // re-arming here would set a timer per chunk of every stream reading while another waits.
    if (this.waiting.length > 0 && (this.timer === undefined || afterMs <= 0)) this.reclaimIdle();
    return {
      withdraw: async () => {
        this.offers.delete(entry);
        if (entry.taken === undefined) return false;
        await entry.taken;
        return true;
      },
    };
  }

  /** Takes back the slots of holders idle long enough for the waiters; arms one timer for the next that will be. */
  private reclaimIdle(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    let owed = this.waiting.length;
    let nextAt = Infinity;
    const now = performance.now();
    // Oldest offers first (a Set keeps insertion order).
    for (const entry of this.offers) {
      if (owed <= 0) break;
      if (entry.taken !== undefined) {
        owed--;
        continue;
      }
      const at = entry.since + entry.afterMs;
      if (at <= now) {
        // Done: the slot went to a waiter, so the offer no longer counts for the others.
        entry.taken = entry
          .giveUp()
          .catch(() => undefined)
          .finally(() => {
            this.offers.delete(entry);
            // What it freed may not be enough for a heavy waiter: the next idle holder is asked then.
            if (this.waiting.length > 0) this.reclaimIdle();
          });
        owed--;
      } else nextAt = Math.min(nextAt, at);
    }
    if (owed > 0 && nextAt !== Infinity) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.waiting.length > 0) this.reclaimIdle();
      }, Math.ceil(nextAt - now));
    }
  }

  /** Nobody left to reclaim a slot for: no timer outlives the wait (a stopped client leaves none behind). */
  private disarmWhenNobodyWaits(): void {
    if (this.waiting.length === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private fits(weight: number): boolean {
    return this.free >= weight || this.free === this.size;
  }

  /** Hands free units to the waiters at the head of the queue, in order, while they fit. */
  private grantWaiting(): void {
    for (let head = this.waiting[0]; head !== undefined && this.fits(head.weight); head = this.waiting[0]) {
      this.waiting.shift();
      this.free -= head.weight;
      head.grant();
    }
  }

  private releaser(weight: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.free += weight;
      this.grantWaiting();
      this.disarmWhenNobodyWaits();
    };
  }
}
