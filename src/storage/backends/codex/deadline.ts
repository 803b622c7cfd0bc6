import { DueConfirmation } from "../../due-confirmation.js";

/**
 * A re-armable deadline for "no progress for N ms". AbortSignal.timeout cannot be pushed back when
 * bytes arrive, so stall detection needs its own timer. Arming is cheap enough to do for every
 * chunk (a body of 50 MiB arrives in about 800 of them): it only moves the expiry time; one timer
 * at a time checks it when it fires and sleeps again for whatever is left. Its owner calls stop()
 * when done (the exchange does when it is released), so no timer outlives a call. Time is
 * performance.now(), which only moves forward: a phone whose wall clock is corrected mid-wait
 * must neither wait an extra hour nor give up at once. Once due, it looks again after the event
 * loop read the sockets (DueConfirmation): bytes that came while the process did not run are
 * progress, not a stall.
 */
export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  /** Due: the look again once the sockets were read. */
  private readonly confirmation = new DueConfirmation(() => this.confirm());
  /** When the pending timer fires. */
  private wakesAt = 0;
  private expiresAt = 0;
  private armed = false;

  constructor(private readonly onExpire: () => void) {}

  /** Expires `ms` from now unless armed again or disarmed before. */
  arm(ms: number): void {
    this.expiresAt = performance.now() + ms;
    this.armed = true;
    // A look again already pending reschedules from the new expiry.
    if (this.confirmation.waiting) return;
    // The pending timer will do if it fires no later than the new expiry.
    if (this.timer !== undefined && this.wakesAt <= this.expiresAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.schedule(ms);
  }

  /** Stops counting; a timer still pending finds nothing to do (or is reused by the next arm). */
  disarm(): void {
    this.armed = false;
  }

  /** Disarms and clears the timer. */
  stop(): void {
    this.armed = false;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.confirmation.cancel();
  }

  private readonly check = (): void => {
    this.timer = undefined;
    if (!this.armed || this.notYet()) return;
    this.confirmation.request();
  };

  private confirm(): void {
    if (!this.armed || this.notYet()) return;
    this.armed = false;
    this.onExpire();
  }

  /** Armed again meanwhile: sleeps again for whatever is left. */
  private notYet(): boolean {
    const left = this.expiresAt - performance.now();
    if (left > 0) this.schedule(left);
    return left > 0;
  }

  private schedule(ms: number): void {
    this.wakesAt = performance.now() + ms;
    this.timer = setTimeout(this.check, ms);
  }
}
