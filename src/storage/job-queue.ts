import type { JobKind } from "./journal/job-states.js";
import type { StorageMetrics } from "./storage-metrics.js";

interface Waiting {
  readonly id: string;
  readonly small: boolean;
}

/**
 * Runs jobs of one direction in the background, at most `concurrency` at once, in the order they
 * were queued, plus a lane of one for small jobs (`isSmall`, asked once when a job is queued): when
 * every slot is taken, the first small job waiting runs beside them. A photo or a voice note sent
 * after a video forwarded to twenty chats waits for at most one other small job, not for the video.
 * The slots themselves stay first come, first served, so a steady stream of small jobs never
 * starves a large one: it can only fill the lane. `run` settles on its own (it records failures in
 * the journal) and never rejects.
 */
export class JobQueue {
  private readonly waiting: Waiting[] = [];
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  /** Jobs queued again while their previous run was still winding down (a retry asked for as it failed): they run once it has. */
  private readonly again = new Set<string>();
  private closed = false;
  /** Runs holding one of the `concurrency` slots (the lane's run is not one of them). */
  private inSlots = 0;
  private laneBusy = false;

  constructor(
    private readonly kind: JobKind,
    private readonly concurrency: number,
    private readonly metrics: StorageMetrics,
    /** `lane`: the run is the lane's (a small job beside full slots). */
    private readonly run: (id: string, signal: AbortSignal, lane: boolean) => Promise<void>,
    private readonly isSmall: (id: string) => boolean = () => false,
  ) {}

  enqueue(id: string): void {
    if (this.closed || this.isWaiting(id)) return;
    if (this.active.has(id)) {
      this.again.add(id);
      return;
    }
    this.waiting.push({ id, small: this.smallJob(id) });
    // Never on the caller's turn: share() and fetch() return before any work starts.
    queueMicrotask(() => this.pump());
  }

  has(id: string): boolean {
    return this.active.has(id) || this.isWaiting(id);
  }

  /** Takes a job out of the queue or aborts it with `reason`; false when it was in neither. */
  abort(id: string, reason: unknown): "waiting" | "active" | false {
    const at = this.waiting.findIndex((w) => w.id === id);
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
    const dropped = this.waiting.splice(0).map((w) => w.id);
    this.again.clear();
    for (const { controller } of this.active.values()) controller.abort(reason);
    await Promise.allSettled([...this.active.values()].map((a) => a.done));
    this.report();
    return dropped;
  }

  private isWaiting(id: string): boolean {
    return this.waiting.some((w) => w.id === id);
  }

  /** A job whose size cannot be told (its row unreadable) is a large one: it waits its turn, as before the lane. */
  private smallJob(id: string): boolean {
    try {
      return this.isSmall(id);
    } catch {
      return false;
    }
  }

  private pump(): void {
    while (!this.closed && this.waiting.length > 0) {
      let at: number;
      if (this.inSlots < this.concurrency) at = 0;
      else if (!this.laneBusy) at = this.waiting.findIndex((w) => w.small);
      else break;
      if (at < 0) break;
      this.start(this.waiting.splice(at, 1)[0] as Waiting, this.inSlots >= this.concurrency);
    }
    this.report();
  }

  private start({ id, small }: Waiting, lane: boolean): void {
    if (lane) this.laneBusy = true;
    else this.inSlots++;
    const controller = new AbortController();
    const done = this.run(id, controller.signal, lane).finally(() => {
      this.active.delete(id);
      if (lane) this.laneBusy = false;
      else this.inSlots--;
      if (this.again.delete(id) && !this.closed) this.waiting.push({ id, small });
      this.report();
      this.pump();
    });
    this.active.set(id, { controller, done });
  }

  private report(): void {
    this.metrics.queueDepth.set({ kind: this.kind }, this.waiting.length);
    this.metrics.activeJobs.set({ kind: this.kind }, this.active.size);
  }
}
