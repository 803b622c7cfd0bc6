/**
 * A re-armable timer for "no progress for N ms". AbortSignal.timeout cannot be pushed back when
 * bytes arrive, so stall detection needs its own timer; it is always cleared by its owner (the
 * exchange clears every deadline when it is released), so nothing outlives a call.
 */
export class Deadline {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly onExpire: () => void) {}

  arm(ms: number): void {
    this.disarm();
    this.timer = setTimeout(this.onExpire, ms);
  }

  disarm(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
