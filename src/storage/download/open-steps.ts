import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Plaintext opened between two turns of the event loop, at most. node:crypto returns a new Buffer
 * for every chunk it opens (64 KiB by default) and the collector frees them only once it gets to
 * run; a 50 MiB piece opened in one synchronous loop left 800 of them (50 MiB) behind per piece, and
 * a few transfers of one-piece files at once held most of a gigabyte in them. A default 4 MiB
 * piece fits in one step and never waits.
 */
export const OPEN_STEP_BYTES = 4 * 1024 * 1024;

/**
 * The plaintext buffer a download opens its pieces into, a step at a time: a step's worth of whole
 * chunks, or the largest piece when that is smaller (a default 4 MiB piece is one step).
 */
export function openStepPlainBytes(chunkSize: number, maxPlainSize: number): number {
  return Math.min(maxPlainSize, new OpenSteps(chunkSize).perStep * chunkSize);
}

/**
 * Counts chunks opened and gives the event loop (and so the collector) a turn once a step's worth
 * is: a stream opening chunk by chunk, or a download opening a piece a whole step at a time (run-download.ts).
 */
export class OpenSteps {
  private opened = 0;
  /** Chunks of `chunkSize` bytes opened per step: at least one. */
  readonly perStep: number;

  constructor(chunkSize: number) {
    this.perStep = Math.max(1, Math.floor(OPEN_STEP_BYTES / chunkSize));
  }

  /** Call after `count` chunks opened: undefined, or a turn of the event loop to await once a step is full. */
  afterChunks(count = 1): Promise<void> | undefined {
    this.opened += count;
    if (this.opened < this.perStep) return undefined;
    this.opened = 0;
    return nextTurn().then(() => undefined);
  }
}
