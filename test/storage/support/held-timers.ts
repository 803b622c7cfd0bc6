import type { TimerPort } from "../../../src/storage/retry/index.js";

/**
 * A storage client's `timers` (what its job, streamed-fetch and renewal deadlines run on) whose time
 * stands still until the test moves it: the time left of a deadline is then its whole deadlineMs,
 * whatever the host's load, and it fires only when the test says (`advance`). Attempt and idle
 * timeouts stay on real time.
 */
export class HeldTimers implements TimerPort {
  private at = 0;
  private readonly armed = new Set<{ readonly due: number; readonly ms: number; readonly fire: () => void }>();
  /** The timers that fired, each as the ms it was armed for, in the order they fired. */
  readonly fired: number[] = [];

  now(): number {
    return this.at;
  }

  setTimer(ms: number, fire: () => void): () => void {
    const timer = { due: this.at + ms, ms, fire };
    this.armed.add(timer);
    return () => {
      this.armed.delete(timer);
    };
  }

  /** The timers armed and neither fired nor cancelled, each as the ms it was armed for. */
  pending(): number[] {
    return [...this.armed].map((t) => t.ms);
  }

  /** Moves the time on by `ms` and fires, in order, every timer then due. */
  advance(ms: number): void {
    this.at += ms;
    const due = [...this.armed].filter((t) => t.due <= this.at).sort((a, b) => a.due - b.due);
    for (const timer of due) {
      this.armed.delete(timer);
      this.fired.push(timer.ms);
      timer.fire();
    }
  }
}
