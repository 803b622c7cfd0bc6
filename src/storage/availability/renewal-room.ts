import type { BufferPool } from "../file-io.js";
import type { Slots } from "../slots.js";

/**
 * A renewed piece's buffer and its share of the client's transfer memory (transferMemoryBytes), as
 * each step needs it: the sealed piece while it is read back and stored again, its plaintext
 * besides only once it must be sealed again from its source. Reserving both for every piece made a
 * renewal that only reads pieces back wait behind a paused stream, or a download wait behind it,
 * for a plaintext buffer it never used.
 */
export class RenewalRoom {
  private buffer: Buffer | undefined;
  private release: (() => void) | undefined;
  private sealing = false;

  private constructor(
    private readonly buffers: BufferPool,
    private readonly memory: Slots | undefined,
    private readonly what: string,
    private readonly sealedBytes: number,
    private readonly plainBytes: number,
  ) {}

  /**
   * Holding nothing yet: a piece to be sealed from its source takes its room (forSealing) once the
   * source is open, so one whose source is gone waits for no memory to find that out.
   */
  static empty(buffers: BufferPool, memory: Slots | undefined, what: string, sizes: { readonly sealed: number; readonly plain: number }): RenewalRoom {
    return new RenewalRoom(buffers, memory, what, sizes.sealed, sizes.plain);
  }

  /** Waits for the room of a read back, or (`sealing`) of sealing the piece from its source. */
  static async take(
    buffers: BufferPool,
    memory: Slots | undefined,
    signal: AbortSignal,
    what: string,
    sizes: { readonly sealed: number; readonly plain: number },
    sealing: boolean,
  ): Promise<RenewalRoom> {
    const room = new RenewalRoom(buffers, memory, what, sizes.sealed, sizes.plain);
    await room.reserve(signal, sealing);
    return room;
  }

  /** The sealed piece's buffer, from the client's pool. Its bytes do not survive forSealing(). */
  get sealed(): Buffer {
    if (this.buffer === undefined) throw new TypeError(`${this.what}: the renewal's buffer was given back`);
    return this.buffer;
  }

  /**
   * Room for the plaintext too. What it holds is given back first and the whole asked for again:
   * waiting for more while holding the sealed share could wait for good (behind a waiter that needs
   * that share, or for a total over the budget, which is granted only once every unit is free).
   */
  async forSealing(signal: AbortSignal): Promise<void> {
    if (this.sealing) return;
    this.giveBack();
    await this.reserve(signal, true);
  }

  /** Once, however the renewal ended (again is harmless). */
  giveBack(): void {
    if (this.buffer !== undefined) this.buffers.give(this.buffer);
    this.buffer = undefined;
    this.release?.();
    this.release = undefined;
  }

  private async reserve(signal: AbortSignal, sealing: boolean): Promise<void> {
    const bytes = this.sealedBytes + (sealing ? this.plainBytes : 0);
    this.release = await this.memory?.acquire(signal, this.what, bytes);
    this.sealing = sealing;
    try {
      this.buffer = this.buffers.take(this.sealedBytes);
    } catch (error) {
      // An allocation refused after the grant (low memory): take() hands no room back to give it
      // back through, and memory nobody holds would keep every later transfer waiting for good.
      this.giveBack();
      throw error;
    }
  }
}
