import { createHash } from "node:crypto";
import type { StorageBackend } from "../backend.js";
import { DEFAULT_RETRY_POLICY } from "./retry-policy.js";

/** Which way a transfer's bytes go, for the rates an endpoint is measured at ("other": a caller that does not say). */
export type TransferDirection = "up" | "down" | "other";

/**
 * How much faster another endpoint must have been measured to count as faster: a smaller gap is
 * noise (a link slow everywhere measures every endpoint alike). One rule for the three places that
 * compare rates: a download's ranking (healthier), a too-slow transfer leaving its endpoint
 * (withRetries), a hedge's target (hedged-attempt.ts).
 */
export const FASTER_BY = 2;

/**
 * Hedged piece attempts running at once, client-wide: each holds one piece's buffer and a second
 * transfer on the phone's link, so a link slow everywhere is not doubled for every piece in flight.
 */
const MAX_HEDGES = 1;

/** The longest a run of failures is remembered (RetryPolicy.failureMemoryMs doubles up to this). */
const FAILURE_MEMORY_CAP_MS = 60 * 60_000;

/**
 * The endpoints a client may use (one in full mode, several remote ones in light mode), with a
 * preferred one: the last that worked. Attempts start there and move on when it fails, so one dead
 * endpoint costs one failed attempt, not one per piece. Each endpoint's transient failures since it
 * last worked are counted, and the next attempt goes to the one with the fewest (the most recent
 * success breaks a tie, then list order from the start): a passing failure of a good endpoint is
 * retried there rather than on one found hanging before, while an endpoint never tried, or one that
 * fails no more often than the rest, still gets its turn. An endpoint that asked to be left alone
 * for a while (a gateway's Retry-After) is cooling down until then: every piece of every job tries
 * the others first, and waits for it only when all of them are cooling too.
 *
 * A failure is remembered for a while (RetryPolicy.failureMemoryMs, doubled for each further one
 * before the endpoint works again), not until the endpoint works: nothing would try it again while
 * the others work, so one blip of the first endpoint in this client's order (full mode's own node,
 * a light client's home) sent the rest of the session elsewhere. Once forgotten, an endpoint before
 * the preferred one in that order is tried first again; one more failure there and it is left for
 * twice as long.
 *
 * "Order" is the list's unless spread(): then each client walks the endpoints in its own order,
 * see there.
 */
export class EndpointPool {
  private preferred = 0;
  /** The endpoints' indices in the order this client walks them. */
  private order: number[];
  /** Each endpoint's place in `order`. */
  private place: number[];
  /** performance.now() until which each endpoint asked not to be called (0: not cooling). */
  private readonly coolUntil: number[];
  /** Transient failures since each endpoint last worked (or answered: answered()). */
  private readonly failures: number[];
  /** performance.now() from which each endpoint's failures no longer count. */
  private readonly forgetAt: number[];
  /** When each endpoint last worked (a counter; 0: never). */
  private readonly workedAt: number[];
  /**
   * Each endpoint's rate in its last transfer that ran past one attempt timeout, bytes per ms, by
   * direction (a phone's uplink is far slower than its downlink); absent: none measured, or it was quick since.
   */
  private readonly rates: Map<TransferDirection, number>[];
  /**
   * What each endpoint delivered this session, bytes per ms from an attempt's start to its end (or to
   * the race it lost), by direction; absent: not measured. Downloads rank by it (pick): a steady slow
   * endpoint neither fails nor stalls, and without it kept every piece while a faster one idled.
   */
  private readonly throughput: Map<TransferDirection, number>[];
  /** Hedged attempts running now (withRetries), client-wide, and the attempts waiting for one to end. */
  private hedging = 0;
  private readonly hedgeWaiters = new Set<() => void>();
  private successes = 0;
  /**
   * Called after an endpoint's remembered failures changed (a failure, or the end of a run of them),
   * so the client can keep them across restarts (endpoint-failure-memory.ts). Never throws into a pick.
   */
  onFailuresChanged: (() => void) | undefined;

  constructor(readonly endpoints: readonly StorageBackend[]) {
    if (endpoints.length === 0) throw new RangeError("at least one storage endpoint is needed");
    this.coolUntil = endpoints.map(() => 0);
    this.failures = endpoints.map(() => 0);
    this.forgetAt = endpoints.map(() => 0);
    this.workedAt = endpoints.map(() => 0);
    this.rates = endpoints.map(() => new Map());
    this.throughput = endpoints.map(() => new Map());
    this.order = endpoints.map((_, i) => i);
    this.place = endpoints.map((_, i) => i);
  }

  /**
   * Gives this client its own order of the endpoints after the first `keepFirst` (full mode's own
   * node stays first): every client of a release gets the same list, and in list order they would
   * all load its first endpoint while the others idled until it failed. The order ranks each
   * endpoint by a hash of `seed` (stable per installation) and its location (rendezvous hashing):
   * a client starts at the same endpoint every session, whatever the list's order, so its uploads
   * and their renewals meet the blocks where they were stored; clients start evenly over the
   * endpoints; a new endpoint in the list takes only its share of clients; and the clients of an
   * endpoint that fails move evenly to the others rather than all to its neighbour in the list.
   * Health still comes first: what worked, failed or asked for a pause reorders attempts as before.
   */
  spread(seed: string, keepFirst = 0): void {
    const n = this.endpoints.length;
    const kept = Math.min(Math.max(0, keepFirst), n);
    const rank = this.endpoints.map((endpoint) => createHash("sha256").update(seed).update("\n").update(endpoint.location).digest().readUIntBE(0, 6));
    const rest = this.order.filter((i) => i >= kept).sort((a, b) => (rank[b] as number) - (rank[a] as number) || a - b);
    this.order = [...this.order.filter((i) => i < kept), ...rest];
    this.order.forEach((index, at) => (this.place[index] = at));
    if (this.successes === 0) this.preferred = this.order[0] as number;
  }

  get size(): number {
    return this.endpoints.length;
  }

  at(index: number): StorageBackend {
    return this.endpoints[index] as StorageBackend;
  }

  /**
   * The endpoint for the next attempt among those not excluded, looking from the preferred one (or
   * the one after `after`, in this client's order): one not cooling down, with the fewest failures since it last worked,
   * then the most recent success, then the first in that order; when all are cooling, the one back
   * first. Undefined when all are excluded.
   */
  pick(excluded: ReadonlySet<number>, after?: number, direction?: TransferDirection): number | undefined {
    const n = this.endpoints.length;
    if (after === undefined) {
      const back = this.backFromFailure(excluded);
      if (back !== undefined) return back;
    }
    const start = after === undefined ? (this.place[this.preferred] as number) : (this.place[after] as number) + 1;
    let best: number | undefined;
    let soonest: number | undefined;
    for (let k = 0; k < n; k++) {
      const i = this.order[(start + k) % n] as number;
      if (excluded.has(i)) continue;
      if (this.coolingFor(i) === 0) {
        if (best === undefined || this.healthier(i, best, direction)) best = i;
      } else if (soonest === undefined || this.coolingFor(i) < this.coolingFor(soonest)) soonest = i;
    }
    return best ?? soonest;
  }

  /**
   * Every endpoint in the order an attempt would try them now (pick: the healthiest first from the
   * preferred one, those cooling down last), for a caller that asks each in turn outside withRetries
   * (which leaves those cooling down alone, as transfers do: noteEndpointFailure, coolingDownError).
   */
  inOrder(): number[] {
    const order: number[] = [];
    const taken = new Set<number>();
    for (let index = this.pick(taken); index !== undefined; index = this.pick(taken)) {
      order.push(index);
      taken.add(index);
    }
    return order;
  }

  worked(index: number): void {
    const had = (this.failures[index] as number) > 0;
    this.preferred = index;
    this.failures[index] = 0;
    this.workedAt[index] = ++this.successes;
    if (had) this.changed();
  }

  /**
   * The endpoint answered, refusing this piece (not found, rejected, bytes that do not verify): it
   * is reachable, so a run of failures before is over, but it does not become the preferred one. A
   * home tried again after its failure was forgotten, and lacking the piece asked for, is thus not
   * tried first again for every later piece.
   */
  answered(index: number): void {
    const had = (this.failures[index] as number) > 0;
    this.failures[index] = 0;
    this.forgetAt[index] = 0;
    if (had) this.changed();
  }

  /**
   * A transient failure: later attempts (of any piece) try another endpoint first, for `memoryMs`
   * (RetryPolicy.failureMemoryMs) times 2 for each earlier failure since it last worked.
   */
  failed(index: number, memoryMs: number = DEFAULT_RETRY_POLICY.failureMemoryMs): void {
    const streak = (this.failures[index] as number) + 1;
    this.failures[index] = streak;
    this.forgetAt[index] = performance.now() + Math.min(memoryMs * 2 ** Math.min(streak - 1, 30), Math.max(memoryMs, FAILURE_MEMORY_CAP_MS));
    if (this.preferred === index) this.preferred = this.order[((this.place[index] as number) + 1) % this.endpoints.length] as number;
    this.changed();
  }

  /**
   * Takes back failures an earlier session remembered (endpoint-failure-memory.ts): `failures` in a
   * run, remembered for `remainingMs` more. As failed() does, the next attempts try another endpoint
   * first while it lasts; it never excludes the endpoint (pick takes the one with fewest failures
   * when all have some). A count below 1 or a time not ahead is ignored.
   */
  restoreFailures(index: number, failures: number, remainingMs: number): void {
    if (!(failures >= 1) || !(remainingMs > 0) || index < 0 || index >= this.endpoints.length) return;
    this.failures[index] = Math.min(Math.floor(failures), 64);
    this.forgetAt[index] = performance.now() + Math.min(remainingMs, FAILURE_MEMORY_CAP_MS);
    if (this.preferred === index && this.successes === 0) {
      const healthy = this.inOrder()[0];
      if (healthy !== undefined) this.preferred = healthy;
    }
  }

  /** The failures each endpoint has remembered now, and for how much longer (ms); endpoints without any are left out. */
  rememberedFailures(): Array<{ index: number; failures: number; remainingMs: number }> {
    const out: Array<{ index: number; failures: number; remainingMs: number }> = [];
    const now = performance.now();
    this.endpoints.forEach((_, index) => {
      const remainingMs = (this.forgetAt[index] as number) - now;
      const failures = this.failures[index] as number;
      if (failures > 0 && remainingMs > 0) out.push({ index, failures, remainingMs });
    });
    return out;
  }

  private changed(): void {
    try {
      this.onFailuresChanged?.();
    } catch {
      // Keeping the memory is best effort (its writer logs); an attempt never fails for it.
    }
  }

  /** Failures since the endpoint last worked, while they are remembered (0 once forgotten). */
  private liveFailures(index: number): number {
    return performance.now() < (this.forgetAt[index] as number) ? (this.failures[index] as number) : 0;
  }

  /**
   * The first endpoint before the preferred one in this client's order that was left for failures
   * now forgotten and is not cooling down nor excluded: tried first again.
   */
  private backFromFailure(excluded: ReadonlySet<number>): number | undefined {
    const until = this.place[this.preferred] as number;
    for (let at = 0; at < until; at++) {
      const i = this.order[at] as number;
      if ((this.failures[i] as number) > 0 && this.liveFailures(i) === 0 && this.coolingFor(i) === 0 && !excluded.has(i)) return i;
    }
    return undefined;
  }

  /**
   * Fewer failures first; for a download, then the endpoint that delivered at least FASTER_BY times
   * as fast, when both were measured (a smaller gap is noise, and the one that worked last keeps its
   * pieces); then the most recent success. Uploads keep to where they worked: a light client's
   * renewals meet its blocks on the node that stored them.
   */
  private healthier(a: number, b: number, direction?: TransferDirection): boolean {
    const fa = this.liveFailures(a);
    const fb = this.liveFailures(b);
    if (fa !== fb) return fa < fb;
    if (direction === "down") {
      const ta = this.throughputOf(a, direction);
      const tb = this.throughputOf(b, direction);
      if (ta > 0 && tb > 0 && (ta >= FASTER_BY * tb || tb >= FASTER_BY * ta)) return ta > tb;
    }
    return (this.workedAt[a] as number) > (this.workedAt[b] as number);
  }

  /** Failures since the endpoint last worked, while they are remembered (0 once forgotten). */
  failuresNow(index: number): number {
    return this.liveFailures(index);
  }

  /**
   * An attempt on the endpoint moved `bytes` in `ms` (to its end, or until it lost a hedged race):
   * what it delivers, kept as a moving average (half the last, half before) so one hiccup does not
   * reorder a session.
   */
  noteThroughput(index: number, direction: TransferDirection, bytes: number, ms: number): void {
    const sample = bytes / Math.max(ms, 1);
    if (!Number.isFinite(sample) || sample < 0) return;
    const map = this.throughput[index] as Map<TransferDirection, number>;
    const before = map.get(direction);
    // A lost race that moved nothing still counts as measured (very slow): it is not hedged to again for nothing.
    map.set(direction, Math.max(before === undefined ? sample : (before + sample) / 2, Number.MIN_VALUE));
  }

  /** The endpoint's delivered bytes per ms in that direction this session; 0 when not measured. */
  throughputOf(index: number, direction: TransferDirection): number {
    return this.throughput[index]?.get(direction) ?? 0;
  }

  /** Takes the client's hedge slot (at most MAX_HEDGES hedged attempts at once); false when taken. */
  takeHedge(): boolean {
    if (this.hedging >= MAX_HEDGES) return false;
    this.hedging++;
    return true;
  }

  /** A hedged attempt ended: its slot is free, and the attempts waiting for one look again. */
  endHedge(): void {
    this.hedging = Math.max(0, this.hedging - 1);
    for (const waiter of [...this.hedgeWaiters]) waiter();
  }

  /** Calls `look` each time a hedge slot frees, until the returned function is called. */
  whenHedgeFree(look: () => void): () => void {
    this.hedgeWaiters.add(look);
    return () => this.hedgeWaiters.delete(look);
  }

  /**
   * The rate a transfer on the endpoint ran at, in bytes per ms, measured once it had run one attempt
   * timeout (withRetries); 0 forgets it (the endpoint then moved a piece within one). A transfer too
   * slow for its job leaves an endpoint only for one not measured as slow: when the link itself is
   * slow, every endpoint is, and a piece moved to another would start over for nothing.
   */
  noteRate(index: number, direction: TransferDirection, bytesPerMs: number): void {
    const rates = this.rates[index] as Map<TransferDirection, number>;
    if (Number.isFinite(bytesPerMs) && bytesPerMs > 0) rates.set(direction, bytesPerMs);
    else rates.delete(direction);
  }

  /** The endpoint's last measured rate in that direction, bytes per ms; 0 when none is known. */
  rateOf(index: number, direction: TransferDirection): number {
    return this.rates[index]?.get(direction) ?? 0;
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
