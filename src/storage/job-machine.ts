import type { Logger } from "../obs/index.js";
import { asStorageError } from "./job-errors.js";
import { endpointOfFailure } from "./retry/index.js";
import type { Clock } from "./client-options.js";
import type { JobKind, JobState } from "./journal/job-states.js";
import type { UnendedRuns } from "./journal/unended-runs.js";
import type { StorageMetrics } from "./storage-metrics.js";
import type { TransferJob } from "./transfer-job.js";

/** The journal moves every job kind shares; each is one guarded UPDATE. */
export interface JobJournal {
  start(id: string, now: number): void;
  fail(id: string, error: string, now: number): void;
  cancel(id: string, now: number): void;
  requeue(id: string, now: number): void;
}

/**
 * One job's state machine: each transition is one small method and one journal write, then the
 * same news for metrics, the log and the job's listeners.
 */
export class JobMachine {
  /** When this process started the job's run (clock ms); its end observes the duration once. */
  private startedAt: number | undefined;

  constructor(
    readonly kind: JobKind,
    readonly id: string,
    private readonly journal: JobJournal,
    private readonly hooks: { clock: Clock; metrics: StorageMetrics; log: Logger; job?: TransferJob<unknown>; runs?: UnendedRuns },
  ) {}

  /** Counted by `runs` (when given): a job whose runs keep ending with the process fails E_CRASH_LOOP here instead. */
  start(): void {
    const write = (): void => this.journal.start(this.id, this.hooks.clock.now());
    const runs = this.hooks.runs;
    journaled(() => (runs === undefined ? write() : runs.begin(this.kind, this.id, write)));
    this.startedAt = this.hooks.clock.now();
    this.entered(this.kind === "upload" ? "uploading" : "downloading");
  }

  /** The kind-specific final write (reference, availability, cache) happens inside `write`, in one transaction. */
  finish(write: (now: number) => void): void {
    journaled(() => write(this.hooks.clock.now()));
    this.entered("done");
    this.ended("done");
  }

  /** `error`, the failure's: its piece CID, piece index and endpoint, when it knows them, go on the log line (failedWhere). */
  fail(code: string, message: string, error?: FailureSource): void {
    journaled(() => this.journal.fail(this.id, `${code}: ${message}`, this.hooks.clock.now()));
    this.entered("failed", code, error);
    this.hooks.metrics.failures.inc({ kind: this.kind, code });
    this.ended("failed");
  }

  cancel(): void {
    journaled(() => this.journal.cancel(this.id, this.hooks.clock.now()));
    this.entered("cancelled");
    this.ended("cancelled");
  }

  requeue(): void {
    journaled(() => this.journal.requeue(this.id, this.hooks.clock.now()));
    this.entered("queued");
  }

  private ended(outcome: "done" | "failed" | "cancelled"): void {
    if (this.startedAt === undefined) return;
    const seconds = Math.max(0, this.hooks.clock.now() - this.startedAt) / 1000;
    this.startedAt = undefined;
    this.hooks.metrics.jobSeconds.observe({ kind: this.kind, outcome }, seconds);
  }

  private entered(state: JobState, code?: string, error?: FailureSource): void {
    this.hooks.metrics.transitions.inc({ kind: this.kind, state });
    // Ids, states, codes and where a failure happened only: never keys, names or contents.
    const fields = code === undefined ? { job: this.id, kind: this.kind, state } : { job: this.id, kind: this.kind, state, code, ...failedWhere(error) };
    // A transfer that failed is news at the level an app's log runs at in use (warn, the CLI's
    // default): at info, nothing in such a log said so, only the failures metric. A stop's or a
    // closed backend's E_CLIENT_CLOSED is the app's own doing and resumes: info, as the other moves.
    if (state === "failed" && code !== "E_CLIENT_CLOSED") this.hooks.log.warn(fields, "job state");
    else this.hooks.log.info(fields, "job state");
    this.hooks.job?.setState(state);
  }
}

/** A failure as failedWhere reads it: a StorageError (its details, and the error it wraps). */
export interface FailureSource {
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/**
 * Where a job failed, from its error's details: the piece's CID and index and the endpoint, so the
 * one warn line of an E_INTEGRITY says which piece and which store (before, its job id and code
 * alone: the rest was in the journal's message). Only these names, as text or numbers: details
 * may also hold a file's path, and the message names files, which a log line must not. An error
 * whose details name no endpoint (a Codex node's name it in the message only) gets the one its
 * attempt failed on in withRetries, or the one of the error it wraps.
 */
export function failedWhere(error: FailureSource | undefined): Record<string, string | number> {
  const where: Record<string, string | number> = {};
  for (const name of ["cid", "piece", "endpoint"] as const) {
    const value = error?.details?.[name];
    if (typeof value === "string" || typeof value === "number") where[name] = value;
  }
  const endpoint = endpointOfFailure(error) ?? endpointOfFailure(error?.cause);
  if (where["endpoint"] === undefined && endpoint !== undefined) where["endpoint"] = endpoint;
  return where;
}

/** A journal write; what it throws (a refused write on a full disk, an illegal move) as the storage layer's typed error. */
function journaled(write: () => void): void {
  try {
    write();
  } catch (error) {
    throw asStorageError(error);
  }
}
