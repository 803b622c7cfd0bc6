import type { StorageBackend } from "../backend.js";

/**
 * The endpoints a client may use (one in full mode, several remote ones in light mode), with a
 * preferred one: the last that worked. Attempts start there and move on when it fails, so one dead
 * endpoint costs one failed attempt, not one per piece.
 */
export class EndpointPool {
  private preferred = 0;

  constructor(readonly endpoints: readonly StorageBackend[]) {
    if (endpoints.length === 0) throw new RangeError("at least one storage endpoint is needed");
  }

  get size(): number {
    return this.endpoints.length;
  }

  at(index: number): StorageBackend {
    return this.endpoints[index] as StorageBackend;
  }

  /** The endpoint for the next attempt: the preferred one, else the next not excluded; undefined when all are. */
  pick(excluded: ReadonlySet<number>, after?: number): number | undefined {
    const n = this.endpoints.length;
    const start = after === undefined ? this.preferred : (after + 1) % n;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      if (!excluded.has(i)) return i;
    }
    return undefined;
  }

  worked(index: number): void {
    this.preferred = index;
  }

  /** A transient failure: later attempts (of any piece) try the next endpoint first. */
  failed(index: number): void {
    if (this.preferred === index) this.preferred = (index + 1) % this.endpoints.length;
  }
}
