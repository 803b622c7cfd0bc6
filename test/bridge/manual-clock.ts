import type { BridgeClock } from "../../src/bridge/clock.js";

/** A BridgeClock whose time moves only when a test says so: timers fire in `advance`, in order. */
export class ManualClock implements BridgeClock {
  private time = 0;
  private nextId = 0;
  private readonly timers = new Map<number, { at: number; fire: () => void }>();

  now(): number {
    return this.time;
  }

  wallNow(): number {
    return 1_800_000_000_000 + this.time;
  }

  setTimer(ms: number, fire: () => void): () => void {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fire });
    return () => {
      this.timers.delete(id);
    };
  }

  /** Timers armed and not yet fired or cancelled. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time to the earliest armed timer and fires it (and any due with it); false when none is armed. */
  advanceToNext(): boolean {
    let at: number | undefined;
    for (const timer of this.timers.values()) if (at === undefined || timer.at < at) at = timer.at;
    if (at === undefined) return false;
    this.advance(at - this.time);
    return true;
  }

  /** Moves time on by `ms`, firing each timer due on the way, earliest first. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: [number, { at: number; fire: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry;
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fire();
    }
    this.time = end;
  }
}
