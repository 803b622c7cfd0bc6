/**
 * The last step of a deadline whose timer found it due: look again only after the event loop has
 * read the sockets (setImmediate). A process that did not run for a while (a busy machine, an app
 * the phone froze) finds its timers due before it reads the bytes that came meanwhile; those bytes
 * are progress, not a stall, and the look again sees them. The Codex backend's per-gap Deadline
 * (backends/codex/deadline.ts) and the attempt timeout's linkedSignal (retry/linked-signal.ts)
 * both end this way (test/storage/stall-deadline-after-freeze.test.ts).
 */
export class DueConfirmation {
  private pending: NodeJS.Immediate | undefined;

  /** `confirm` runs once the sockets were read, and decides again whether the deadline is due. */
  constructor(private readonly confirm: () => void) {}

  /** A look again is pending. */
  get waiting(): boolean {
    return this.pending !== undefined;
  }

  /** The timer found the deadline due: confirm once the sockets were read (one look, however often asked meanwhile). */
  request(): void {
    this.pending ??= setImmediate(this.run);
  }

  /** No look again: the deadline's owner is done with it. */
  cancel(): void {
    if (this.pending === undefined) return;
    clearImmediate(this.pending);
    this.pending = undefined;
  }

  private readonly run = (): void => {
    this.pending = undefined;
    this.confirm();
  };
}
