import { EventEmitter } from "node:events";
import type { FetchResult } from "./download/run-download.js";
import type { JobKind, JobState } from "./journal/job-states.js";
import type { ShareResult } from "./upload/run-upload.js";

export interface TransferProgress {
  readonly piecesDone: number;
  readonly piecesTotal: number;
  /** Plaintext bytes whose pieces are done. */
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /**
   * Plaintext bytes of the pieces on their way (not counted in bytesDone) that have moved so far:
   * an upload's that the transport took, as its backend reports them (the Codex backend per 64 KiB
   * slice; the local store, a disk, not at all), a download's that have arrived (per chunk read).
   * `(bytesDone + bytesInFlight) / bytesTotal` moves while a piece is on its way, where bytesDone
   * moves a piece at a time. A retried piece counts from its new attempt's bytes. Absent when none
   * is (a report of pieces done, a handle built from the journal): read it as `?? 0`.
   */
  readonly bytesInFlight?: number;
}

export interface TransferJobEvents {
  progress: [TransferProgress];
  state: [JobState];
}

/** The kind of job whose run gives `R`: an upload gives a ShareResult, a download a FetchResult; anything else (`unknown`) either. */
export type KindOf<R> = R extends ShareResult ? "upload" : R extends FetchResult ? "download" : JobKind;

/**
 * What share() and fetch() hand back at once: the job's id (its journal key), its state and
 * progress as events, and `done`, which settles when this run of the job ends. A job interrupted by
 * stop() or a crash keeps its journal row and resumes on the next start; `client.job(id)` then
 * gives its new handle. `K`, the kind as a literal type, is what lets a handle of either kind
 * (`AnyJob`, from job(id) or retry(id)) narrow by `job.kind` to its result's type with no cast; it
 * follows from `R`, so `TransferJob<ShareResult>` is an upload's handle as it was written before.
 */
export class TransferJob<R, K extends JobKind = KindOf<R>> extends EventEmitter<TransferJobEvents> {
  readonly done: Promise<R>;
  private settle!: { resolve: (value: R) => void; reject: (error: unknown) => void };
  private currentState: JobState;
  private currentProgress: TransferProgress;

  constructor(
    readonly id: string,
    readonly kind: K,
    state: JobState,
    progress: TransferProgress,
    private readonly onCancel: (id: string) => void,
  ) {
    super();
    this.currentState = state;
    this.currentProgress = progress;
    this.done = new Promise<R>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Sending feels instant: an application that never awaits `done` must not crash on a failure.
    this.done.catch(() => undefined);
  }

  get state(): JobState {
    return this.currentState;
  }

  get progress(): TransferProgress {
    return this.currentProgress;
  }

  /** Stops the job for good: the journal row becomes `cancelled`. */
  cancel(): void {
    this.onCancel(this.id);
  }

  /** @internal */
  setState(state: JobState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.tell(() => this.emit("state", state));
  }

  /** @internal */
  /** Tells listeners only of a change (a resumed run sets what its handle already showed). */
  setProgress(progress: TransferProgress): void {
    const now = this.currentProgress;
    if (
      now.piecesDone === progress.piecesDone &&
      now.piecesTotal === progress.piecesTotal &&
      now.bytesDone === progress.bytesDone &&
      now.bytesTotal === progress.bytesTotal &&
      // 0 and absent alike: a resumed run's first report (none in flight) is what its handle from the journal showed.
      (now.bytesInFlight ?? 0) === (progress.bytesInFlight ?? 0)
    )
      return;
    this.currentProgress = progress;
    this.tell(() => this.emit("progress", progress));
  }

  /**
   * A listener that throws (an application bug) must neither fail the transfer nor stop its
   * journal write half-way: its error is thrown again on a turn of its own, as from any callback.
   */
  private tell(emit: () => void): void {
    try {
      emit();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  /** @internal */
  resolve(value: R): void {
    this.settle.resolve(value);
  }

  /** @internal */
  reject(error: unknown): void {
    this.settle.reject(error);
  }
}
