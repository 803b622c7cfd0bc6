import { setMaxListeners } from "node:events";
import { abortedError } from "../abort-error.js";
import { linkedSignal, type LinkedSignal } from "../retry/index.js";

/**
 * The pieces an upload is still storing after its window moved on. The first failure is kept and
 * aborts `signal`, so the window and every other store stop; done() waits for all of them and
 * throws that failure (or the job's own abort).
 */
export class BackgroundStores {
  private readonly failed = new AbortController();
  private readonly link: LinkedSignal;
  private readonly running = new Set<Promise<void>>();
  /** The first store that failed, if one did: the upload's error, rather than the aborts it caused. */
  failure: unknown;

  constructor(parent: AbortSignal) {
    this.link = linkedSignal([parent, this.failed.signal], undefined, "storing the pieces");
    // Every store waiting (one and a half windows of them) listens on it, and the window too: by design, not a leak.
    setMaxListeners(0, this.link.signal);
  }

  /** Aborts when the job does, or when any store fails. */
  get signal(): AbortSignal {
    return this.link.signal;
  }

  /** Tracks one store; `cleanup` runs once it has settled, however it ended. */
  add(work: Promise<void>, cleanup: () => void): void {
    const tracked = work
      .then(
        () => undefined,
        (error: unknown) => {
          if (this.failure === undefined && !this.signal.aborted) {
            this.failure = error;
            this.failed.abort(error);
          }
        },
      )
      .finally(() => {
        cleanup();
        this.running.delete(tracked);
      });
    this.running.add(tracked);
  }

  /** The upload failed elsewhere (its window): the stores still on their way stop, with `reason`. */
  stop(reason: unknown): void {
    if (!this.signal.aborted) this.failed.abort(reason);
  }

  /** Every store has settled (they may have failed). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Every store has succeeded; else the first failure, or the abort that stopped them. */
  async done(): Promise<void> {
    await this.settled();
    if (this.failure !== undefined) throw this.failure;
    if (this.signal.aborted) throw abortedError(this.signal.reason, "storing the pieces");
  }

  dispose(): void {
    this.link.dispose();
  }
}
