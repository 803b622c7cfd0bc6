import type { StorageBackend } from "../backend.js";

/**
 * The endpoints a client may use (one in full mode, several remote ones in light mode), with a
 * preferred one: the last that worked. Attempts start there and move on when it fails, so one dead
 * endpoint costs one failed attempt, not one per piece. An endpoint that asked to be left alone for
 * a while (a gateway's Retry-After) is cooling down until then: every piece of every job tries the
 * others first, and waits for it only when all of them are cooling too.
 */
export class EndpointPool {
  private preferred = 0;
  /** performance.now() until which each endpoint asked not to be called (0: not cooling). */
  private readonly coolUntil: number[];

  constructor(readonly endpoints: readonly StorageBackend[]) {
    if (endpoints.length === 0) throw new RangeError("at least one storage endpoint is needed");
    this.coolUntil = endpoints.map(() => 0);
  }

  get size(): number {
    return this.endpoints.length;
  }

  at(index: number): StorageBackend {
    return this.endpoints[index] as StorageBackend;
  }

  /**
   * The endpoint for the next attempt: the preferred one (or the one after `after`), else the next
   * not excluded; one that is not cooling down before one that is, and among cooling ones the one
   * back first. Undefined when all are excluded.
   */
  pick(excluded: ReadonlySet<number>, after?: number): number | undefined {
    const n = this.endpoints.length;
    const start = after === undefined ? this.preferred : (after + 1) % n;
    let soonest: number | undefined;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      if (excluded.has(i)) continue;
      if (this.coolingFor(i) === 0) return i;
      if (soonest === undefined || this.coolingFor(i) < this.coolingFor(soonest)) soonest = i;
    }
    return soonest;
  }

  worked(index: number): void {
    this.preferred = index;
  }

  /** A transient failure: later attempts (of any piece) try the next endpoint first. */
  failed(index: number): void {
    if (this.preferred === index) this.preferred = (index + 1) % this.endpoints.length;
  }

  /** The endpoint asked not to be called for `ms` (Retry-After); a later, shorter request does not shorten it. */
  coolDown(index: number, ms: number): void {
    this.coolUntil[index] = Math.max(this.coolUntil[index] as number, performance.now() + ms);
  }

  /** Milliseconds until the endpoint may be called again (0: now). */
  coolingFor(index: number): number {
    return Math.max(0, Math.ceil((this.coolUntil[index] as number) - performance.now()));
  }
}
