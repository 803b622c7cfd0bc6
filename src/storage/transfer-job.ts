import { EventEmitter } from "node:events";
import type { JobKind, JobState } from "./journal/job-states.js";

export interface TransferProgress {
  readonly piecesDone: number;
  readonly piecesTotal: number;
  /** Plaintext bytes whose pieces are done. */
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface TransferJobEvents {
  progress: [TransferProgress];
  state: [JobState];
}

/**
 * What share() and fetch() hand back at once: the job's id (its journal key), its state and
 * progress as events, and `done`, which settles when this run of the job ends. A job interrupted by
 * stop() or a crash keeps its journal row and resumes on the next start; `client.job(id)` then
 * gives its new handle.
 */
export class TransferJob<R> extends EventEmitter<TransferJobEvents> {
  readonly done: Promise<R>;
  private settle!: { resolve: (value: R) => void; reject: (error: unknown) => void };
  private currentState: JobState;
  private currentProgress: TransferProgress;

  constructor(
    readonly id: string,
    readonly kind: JobKind,
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
    if (now.piecesDone === progress.piecesDone && now.piecesTotal === progress.piecesTotal && now.bytesDone === progress.bytesDone && now.bytesTotal === progress.bytesTotal) return;
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
