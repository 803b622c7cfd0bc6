import type { JobKind } from "./journal/job-states.js";
import type { StorageMetrics } from "./storage-metrics.js";

/**
 * Runs jobs of one direction in the background, at most `concurrency` at once, in the order they
 * were queued. `run` settles on its own (it records failures in the journal) and never rejects.
 */
export class JobQueue {
  private readonly waiting: string[] = [];
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  /** Jobs queued again while their previous run was still winding down (a retry asked for as it failed): they run once it has. */
  private readonly again = new Set<string>();
  private closed = false;

  constructor(
    private readonly kind: JobKind,
    private readonly concurrency: number,
    private readonly metrics: StorageMetrics,
    private readonly run: (id: string, signal: AbortSignal) => Promise<void>,
  ) {}

  enqueue(id: string): void {
    if (this.closed || this.waiting.includes(id)) return;
    if (this.active.has(id)) {
      this.again.add(id);
      return;
    }
    this.waiting.push(id);
    // Never on the caller's turn: share() and fetch() return before any work starts.
    queueMicrotask(() => this.pump());
  }

  has(id: string): boolean {
    return this.active.has(id) || this.waiting.includes(id);
  }

  /** Takes a job out of the queue or aborts it with `reason`; false when it was in neither. */
  abort(id: string, reason: unknown): "waiting" | "active" | false {
    const at = this.waiting.indexOf(id);
    if (at >= 0) {
      this.waiting.splice(at, 1);
      this.report();
      return "waiting";
    }
    this.again.delete(id);
    const running = this.active.get(id);
    if (running === undefined) return false;
    running.controller.abort(reason);
    return "active";
  }

  /** Stops taking jobs, aborts the running ones with `reason`, and waits until they have settled. */
  async close(reason: unknown): Promise<string[]> {
    this.closed = true;
    const dropped = this.waiting.splice(0);
    this.again.clear();
    for (const { controller } of this.active.values()) controller.abort(reason);
    await Promise.allSettled([...this.active.values()].map((a) => a.done));
    this.report();
    return dropped;
  }

  private pump(): void {
    while (!this.closed && this.active.size < this.concurrency && this.waiting.length > 0) {
      const id = this.waiting.shift() as string;
      const controller = new AbortController();
      const done = this.run(id, controller.signal).finally(() => {
        this.active.delete(id);
        if (this.again.delete(id) && !this.closed) this.waiting.push(id);
        this.report();
        this.pump();
      });
      this.active.set(id, { controller, done });
    }
    this.report();
  }

  private report(): void {
    this.metrics.queueDepth.set({ kind: this.kind }, this.waiting.length);
    this.metrics.activeJobs.set({ kind: this.kind }, this.active.size);
  }
}
