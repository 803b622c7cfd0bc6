import type { RunningSha256 } from "../crypto/index.js";
import { abortedError } from "./abort-error.js";

/**
 * The whole-file sha256 fed from pieces that finish in any order: piece i's bytes are handed to
 * the running hash as soon as pieces 0 … i-1 have been handed over (a running hash on the worker
 * hashes in the order it receives), so hashing runs alongside the rest of the pipeline rather than
 * after each piece, in the window's consumer.
 */
export class OrderedHash {
  private next = 0;
  private readonly turns = new Map<number, () => void>();

  constructor(private readonly hash: RunningSha256) {}

  /**
   * Hands piece `index` over once its turn has come and resolves when its bytes are hashed (only
   * then may their buffer be reused). Every index from 0 up must be fed exactly once; a piece
   * waiting for its turn gives up when `signal` fires (a piece before it failed).
   */
  async feed(index: number, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
    if (index !== this.next) await this.turn(index, signal);
    const hashed = this.hash.update(bytes);
    this.next++;
    const following = this.turns.get(this.next);
    this.turns.delete(this.next);
    following?.();
    await hashed;
  }

  private turn(index: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(abortedError(signal.reason, "hashing the file"));
      const onAbort = (): void => {
        this.turns.delete(index);
        reject(abortedError(signal.reason, "hashing the file"));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.turns.set(index, () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }
}
