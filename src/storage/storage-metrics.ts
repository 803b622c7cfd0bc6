import type { Counter, Gauge, Histogram } from "prom-client";
import type { Metrics } from "../obs/index.js";

/** The storage client's metrics, registered once per client registry. */
export interface StorageMetrics {
  readonly bytes: Counter<"direction">;
  readonly pieces: Counter<"direction" | "outcome">;
  readonly retries: Counter<"direction" | "code">;
  readonly transitions: Counter<"kind" | "state">;
  readonly jobSeconds: Histogram<"kind" | "outcome">;
  readonly failures: Counter<"kind" | "code">;
  readonly activeJobs: Gauge<"kind">;
  readonly queueDepth: Gauge<"kind">;
  readonly cacheBytes: Gauge;
  readonly cacheReservedBytes: Gauge;
  readonly cachePartialBytes: Gauge;
  readonly quotaBytes: Gauge;
  readonly quotaWaiting: Gauge;
  readonly renewals: Counter<"outcome">;
}

/** From a small file on the local store to a 50 MB file on a slow mobile link, and past an hour's retries. */
const JOB_SECONDS_BUCKETS = [0.05, 0.25, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];

export function storageMetrics(metrics: Metrics): StorageMetrics {
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
    activeJobs: metrics.gauge("storage_jobs_active", "Jobs running now", ["kind"]),
    queueDepth: metrics.gauge("storage_queue_depth", "Jobs waiting to run", ["kind"]),
    cacheBytes: metrics.gauge("storage_cache_bytes", "Bytes of cached and spooled files under the quota"),
    cacheReservedBytes: metrics.gauge("storage_cache_reserved_bytes", "Bytes reserved under the quota for downloads into the cache and shares of bytes under way"),
    cachePartialBytes: metrics.gauge("storage_cache_partial_bytes", "Bytes of temp files of downloads into the cache kept for a resume, counted under the quota"),
    quotaBytes: metrics.gauge("storage_quota_bytes", "The storage quota the cached, spooled, partial and reserved bytes share"),
    quotaWaiting: metrics.gauge("storage_quota_waiting", "Downloads and shares of bytes waiting for room under the quota"),
    renewals: metrics.counter("storage_renewals_total", "Piece renewals before the Codex TTL, by outcome", ["outcome"]),
  };
}
