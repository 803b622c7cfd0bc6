import type { Counter, Gauge, Histogram } from "prom-client";
import type { Metrics } from "../obs/index.js";
import type { JobKind } from "./journal/job-states.js";

/**
 * A gauge as one client sets it. Several clients may share a registry (an app with two accounts in
 * one process passes both the `Metrics` it exports): each keeps its own value per label set, and
 * the series is the sum over the started clients, as the counters add up across them. Set straight,
 * the last client to report won, and the series was one client's at random.
 */
export interface ClientGauge<L extends string = never> {
  set(value: number): void;
  set(labels: Readonly<Record<L, string>>, value: number): void;
}

/** The storage client's metrics, registered once per registry; each client has its own share of the gauges. */
export interface StorageMetrics {
  readonly bytes: Counter<"direction">;
  readonly pieces: Counter<"direction" | "outcome">;
  readonly retries: Counter<"direction" | "code">;
  readonly transitions: Counter<"kind" | "state">;
  readonly jobSeconds: Histogram<"kind" | "outcome">;
  readonly failures: Counter<"kind" | "code">;
  readonly activeJobs: ClientGauge<"kind">;
  readonly queueDepth: ClientGauge<"kind">;
  readonly cacheBytes: ClientGauge;
  readonly cacheReservedBytes: ClientGauge;
  readonly cachePartialBytes: ClientGauge;
  readonly quotaBytes: ClientGauge;
  readonly quotaWaiting: ClientGauge;
  readonly renewals: Counter<"outcome">;
  /** Cached files evicted to make room under the quota. */
  readonly evictions: Counter;
  /** Takes this client's values out of the gauges (its stop, or a start that failed); later sets change nothing. */
  forget(): void;
}

/** Per registered gauge, per label set (its key), each client's value; a WeakMap, so a dropped registry takes its entries with it. */
const shares = new WeakMap<Gauge<string>, Map<string, { labels: Record<string, string>; byClient: Map<object, number> }>>();

/** One client's side of a shared gauge: its value per label set, and the sum written to the series. */
class SummedGauge<L extends string> implements ClientGauge<L> {
  private readonly mine = new Set<string>();

  constructor(
    private readonly gauge: Gauge<L>,
    private readonly client: { forgotten: boolean },
  ) {}

  set(...args: [number] | [Readonly<Record<L, string>>, number]): void {
    if (this.client.forgotten) return;
    const [labels, value] = args.length === 1 ? [{} as Record<string, string>, args[0]] : [args[0] as Record<string, string>, args[1]];
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let byKey = shares.get(this.gauge as Gauge<string>);
    if (byKey === undefined) shares.set(this.gauge as Gauge<string>, (byKey = new Map()));
    let entry = byKey.get(key);
    if (entry === undefined) byKey.set(key, (entry = { labels: { ...labels }, byClient: new Map() }));
    entry.byClient.set(this.client, value);
    this.mine.add(key);
    this.write(entry);
  }

  forget(): void {
    const byKey = shares.get(this.gauge as Gauge<string>);
    for (const key of this.mine) {
      const entry = byKey?.get(key);
      if (entry === undefined) continue;
      entry.byClient.delete(this.client);
      this.write(entry);
    }
    this.mine.clear();
  }

  /** The sum of the clients' values; 0 once none has one (the series stays, as a stopped single client's did). */
  private write(entry: { labels: Record<string, string>; byClient: Map<object, number> }): void {
    let sum = 0;
    for (const value of entry.byClient.values()) sum += value;
    this.gauge.set(entry.labels as Partial<Record<L, string | number>>, sum);
  }
}

/** Every job kind, a label value of the job gauges (a Record, so a kind added to JobKind must be added here). */
const JOB_KINDS = Object.keys({ upload: true, download: true } satisfies Record<JobKind, true>) as JobKind[];

/** From a small file on the local store to a 50 MB file on a slow mobile link, and past an hour's retries. */
const JOB_SECONDS_BUCKETS = [0.05, 0.25, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];

export function storageMetrics(metrics: Metrics): StorageMetrics {
  const client = { forgotten: false };
  const gauges: SummedGauge<string>[] = [];
  const shared = <L extends string>(gauge: Gauge<L>): SummedGauge<L> => {
    const mine = new SummedGauge(gauge, client);
    gauges.push(mine as unknown as SummedGauge<string>);
    return mine;
  };
  const activeJobs = shared(metrics.gauge("storage_jobs_active", "Jobs running now", ["kind"]));
  const queueDepth = shared(metrics.gauge("storage_queue_depth", "Jobs waiting to run", ["kind"]));
  // Set by the job queues only as jobs come and go: a started client that had run none had no series, which a
  // dashboard or an alert reads as "no data", not 0. This client's share is 0 until then (the sum is unchanged).
  for (const kind of JOB_KINDS) {
    activeJobs.set({ kind }, 0);
    queueDepth.set({ kind }, 0);
  }
  return {
    bytes: metrics.counter("storage_transfer_bytes_total", "Ciphertext bytes stored (up) or fetched and verified (down)", ["direction"]),
    pieces: metrics.counter("storage_pieces_total", "Pieces by direction and outcome (stored, fetched, resumed = skipped because the journal has them)", [
      "direction",
      "outcome",
    ]),
    retries: metrics.counter("storage_retries_total", "Piece attempts that failed and were retried, by error code", ["direction", "code"]),
    transitions: metrics.counter("storage_job_transitions_total", "Job state transitions written to the journal", ["kind", "state"]),
    jobSeconds: metrics.histogram(
      "storage_job_duration_seconds",
      "A job's run in this process, from its start to its end, by kind and outcome (done, failed, cancelled)",
      ["kind", "outcome"],
      JOB_SECONDS_BUCKETS,
    ),
    failures: metrics.counter("storage_job_failures_total", "Jobs that failed, by the failure's error code", ["kind", "code"]),
    activeJobs,
    queueDepth,
    cacheBytes: shared(metrics.gauge("storage_cache_bytes", "Bytes of cached and spooled files under the quota")),
    cacheReservedBytes: shared(metrics.gauge("storage_cache_reserved_bytes", "Bytes reserved under the quota for downloads into the cache and shares of bytes under way")),
    cachePartialBytes: shared(metrics.gauge("storage_cache_partial_bytes", "Bytes of temp files of downloads into the cache kept for a resume, counted under the quota")),
    quotaBytes: shared(metrics.gauge("storage_quota_bytes", "The storage quota the cached, spooled, partial and reserved bytes share")),
    quotaWaiting: shared(metrics.gauge("storage_quota_waiting", "Downloads and shares of bytes waiting for room under the quota")),
    renewals: metrics.counter("storage_renewals_total", "Piece renewals before the Codex TTL, by outcome", ["outcome"]),
    evictions: metrics.counter("storage_cache_evictions_total", "Cached files evicted to make room under the quota"),
    forget() {
      if (client.forgotten) return;
      for (const gauge of gauges) gauge.forget();
      client.forgotten = true;
    },
  };
}
