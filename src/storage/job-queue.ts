import { raceSignal } from "./abort-error.js";
import type { JobKind } from "./journal/job-states.js";
import type { StorageMetrics } from "./storage-metrics.js";

interface Waiting {
  readonly id: string;
  readonly small: boolean;
  /** A running job that gave its slot or lane away (TakeTurn): in its turn it takes one back, it is not started again. */
  readonly away?: Away;
}

/** A running job's place in the queue while it stays away from its slot (TakeTurn). */
interface Away {
  readonly run: Running;
  readonly turn: Promise<void>;
  readonly grant: () => void;
}

interface Running {
  readonly controller: AbortController;
  done: Promise<void>;
  /** What the run holds: a slot, the lane, or nothing while it is parked (QueueRun.park). */
  holds: "slot" | "lane" | "none";
  /** Set while the run has given its slot or lane away and queues for one again (TakeTurn). */
  away: Away | undefined;
}

/** A parked run whose wait ended, waiting to take back what it held, before any job still queued. */
interface Returning {
  readonly run: Running;
  readonly lane: boolean;
  readonly grant: () => void;
}

/**
 * Runs `wait` (a wait on another run, not on the network or the disk) without holding the run's
 * slot or lane, so the queue may start another job meanwhile; takes it back once `wait` has ended,
 * before any job still queued. Rejects as `wait` does, or with the typed abort of the run's signal.
 */
export type Park = <T>(wait: () => Promise<T>) => Promise<T>;

/**
 * Called before each attempt of a run's transfer: while the run has given its slot away, waits for
 * its turn to come back; a run that is `stalled` (no progress: every piece in flight has failed since
 * its last verified one) gives its slot or lane to the first job waiting that could take it, when one
 * waits, and queues again behind the jobs waiting now. Resolves at once otherwise. Rejects with the
 * typed abort of `signal` (the run's, with its deadline, which keeps running while it is away).
 */
export type TakeTurn = (stalled: boolean, signal: AbortSignal) => Promise<void>;

/**
 * What a run gives back for the queue to call once it no longer counts the run (its slot free, its
 * gauges updated, the next job started): settling the job's handle there, not before, means code
 * awaiting the job sees the queue as the job left it.
 */
export type Settle = () => void;

/**
 * Runs jobs of one direction in the background, at most `concurrency` at once, in the order they
 * were queued, plus a lane of one for small jobs (`isSmall`, asked once when a job is queued): when
 * every slot is taken, the first small job waiting runs beside them. A photo or a voice note sent
 * after a video forwarded to twenty chats waits for at most one other small job, not for the video.
 * The slots themselves stay first come, first served, so a steady stream of small jobs never
 * starves a large one: it can only fill the lane. `run` records the outcome in the journal on its
 * own and never rejects; it gives back how to settle the job's handle (Settle).
 */
export class JobQueue {
  private readonly waiting: Waiting[] = [];
  private readonly active = new Map<string, Running>();
  private readonly returning: Returning[] = [];
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
    /** `lane`: the run is the lane's (a small job beside full slots); `park`: a wait on another run that holds no slot (Park); `turn`: TakeTurn. */
    private readonly run: (id: string, signal: AbortSignal, lane: boolean, park: Park, turn: TakeTurn) => Promise<Settle | undefined | void>,
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
    const at = this.waiting.findIndex((w) => w.id === id && w.away === undefined);
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
    // Runs away from their slot end through their aborted signal, as parked ones do.
    const dropped = this.waiting.splice(0).flatMap((w) => (w.away === undefined ? [w.id] : []));
    this.again.clear();
    // Parked runs waiting for a slot end through their aborted signal.
    for (const { controller } of this.active.values()) controller.abort(reason);
    await Promise.allSettled([...this.active.values()].map((a) => a.done));
    this.report();
    return dropped;
  }

  private isWaiting(id: string): boolean {
    return this.waiting.some((w) => w.id === id && w.away === undefined);
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
    // Parked runs first: they were started before anything still queued. The lane's job takes the
    // lane back, or a slot when another small job holds the lane and a slot is free (it is small: a
    // slot is more than it needs, and waiting for the lane left the slot idle).
    for (let i = 0; !this.closed && i < this.returning.length; ) {
      const back = this.returning[i] as Returning;
      const slotFree = this.inSlots < this.concurrency;
      const into = back.lane && !this.laneBusy ? "lane" : slotFree ? "slot" : undefined;
      if (into === undefined) {
        i++;
        continue;
      }
      this.returning.splice(i, 1);
      this.hold(back.run, into === "lane");
      back.grant();
    }
    while (!this.closed && this.waiting.length > 0) {
      let at: number;
      if (this.inSlots < this.concurrency) at = 0;
      else if (!this.laneBusy) at = this.waiting.findIndex((w) => w.small);
      else break;
      if (at < 0) break;
      const next = this.waiting.splice(at, 1)[0] as Waiting;
      if (next.away === undefined) this.start(next, this.inSlots >= this.concurrency);
      else {
        this.hold(next.away.run, this.inSlots >= this.concurrency);
        next.away.run.away = undefined;
        next.away.grant();
      }
    }
    this.report();
  }

  private start({ id, small }: Waiting, lane: boolean): void {
    const running: Running = { controller: new AbortController(), done: Promise.resolve(), holds: "none", away: undefined };
    this.hold(running, lane);
    const park: Park = (wait) => this.park(running, lane, `${this.kind} ${id} (waiting for its turn to run again)`, wait);
    const turn: TakeTurn = (stalled, signal) => this.takeTurn(running, { id, small }, stalled, signal);
    const ended = (settle?: Settle | void): void => {
      this.active.delete(id);
      // Ended while away from its slot (its deadline, a cancel): out of the line.
      const away = this.waiting.findIndex((w) => w.away !== undefined && w.away.run === running);
      if (away >= 0) this.waiting.splice(away, 1);
      running.away = undefined;
      this.letGo(running);
      if (this.again.delete(id) && !this.closed) this.waiting.push({ id, small });
      this.report();
      this.pump();
      settle?.();
    };
    // `run` never rejects; were it to, the queue still lets the job go.
    running.done = this.run(id, running.controller.signal, lane, park, turn).then(ended, () => ended());
    this.active.set(id, running);
  }

  private hold(running: Running, lane: boolean): void {
    if (lane) this.laneBusy = true;
    else this.inSlots++;
    running.holds = lane ? "lane" : "slot";
  }

  private letGo(running: Running): void {
    if (running.holds === "lane") this.laneBusy = false;
    else if (running.holds === "slot") this.inSlots--;
    running.holds = "none";
  }

  /**
   * A download waiting for another download to its destination held its slot for that whole
   * download: `jobsInFlight` such waiters kept every unrelated download queued behind them. The run
   * gives up what it holds while it waits, and takes a slot back (the lane's job: the lane, or a free
   * slot; its small-job judgment holds for the rest of its run) before any queued job.
   */
  private async park<T>(running: Running, lane: boolean, what: string, wait: () => Promise<T>): Promise<T> {
    if (running.holds === "none") return wait();
    this.letGo(running);
    this.pump();
    // A wait that fails, or a cancel or stop meanwhile, ends the run holding nothing.
    const value = await raceSignal(wait(), running.controller.signal, what);
    let returning: Returning | undefined;
    const back = new Promise<void>((grant) => {
      returning = { run: running, lane, grant };
      this.returning.push(returning);
    });
    this.pump();
    // A cancel or stop while it waits for its slot: out of the line (granted meanwhile, the run's end gives it back).
    await raceSignal(back, running.controller.signal, what, () => {
      const at = this.returning.indexOf(returning as Returning);
      if (at >= 0) this.returning.splice(at, 1);
    });
    return value;
  }

  /**
   * A download whose pieces hang (a reference to blocks no node has, or whose only node is offline)
   * held its slot through every attempt and backoff until its deadline (30 min): two such references
   * kept every later download of the user queued that long. A stalled run gives its slot (or the
   * lane) to the first job waiting that could take it and queues behind the jobs waiting now; its
   * deadline keeps running and its verified pieces stay. Runs away from their slot do not yield to
   * each other: they take turns only with jobs not yet started.
   */
  private async takeTurn(running: Running, queued: Omit<Waiting, "away">, stalled: boolean, signal: AbortSignal): Promise<void> {
    let away = running.away;
    if (away === undefined) {
      if (!stalled || this.closed || running.holds === "none" || !this.wouldServe(running.holds)) return;
      this.letGo(running);
      let grant!: () => void;
      const turn = new Promise<void>((resolve) => (grant = resolve));
      away = { run: running, turn, grant };
      running.away = away;
      this.waiting.push({ ...queued, away });
      this.pump();
    }
    await raceSignal(away.turn, signal, `${this.kind} ${queued.id} (waiting for its turn again after its pieces stalled)`);
  }

  /** A job waiting, not yet started, would take what a run holding `holds` gives up. */
  private wouldServe(holds: "slot" | "lane"): boolean {
    return this.waiting.some((w) => w.away === undefined && (holds === "slot" || w.small));
  }

  private report(): void {
    this.metrics.queueDepth.set({ kind: this.kind }, this.waiting.filter((w) => w.away === undefined).length);
    this.metrics.activeJobs.set({ kind: this.kind }, this.active.size);
  }
}
