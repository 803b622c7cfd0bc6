import type { Counter, Gauge } from "prom-client";
import type { Metrics } from "../obs/index.js";

/** Why the receiver dropped a message or a fetched description (the `reason` label's values). */
export type DropReason =
  | "malformed"
  | "version"
  | "oversized"
  | "signature"
  | "community"
  | "segment"
  | "stale"
  | "duplicate"
  | "mismatch"
  | "unreadable-kind"
  | "fetch-failed";

/**
 * The bridge's metrics, registered once per registry (getters are idempotent, so a publisher and a
 * receiver sharing one registry share the series). Labels never carry a community key or bytes.
 */
export interface BridgeMetrics {
  /** Waku messages the receiver took off its topics. */
  readonly received: Counter<"kind">;
  /** Descriptions or pointers whose signature verified against the community's key, by path. */
  readonly verified: Counter<"path">;
  /** Messages or fetched descriptions dropped, by reason. */
  readonly dropped: Counter<"reason">;
  /** Descriptions handed on (one per community and clock), by the path that won. */
  readonly delivered: Counter<"path">;
  /** Pointer fetch attempts, by outcome (ok, retry, mismatch, failed, cancelled). */
  readonly fetches: Counter<"outcome">;
  /** A pointer's description taken from the whole copy over Waku instead of the store. */
  readonly fallbacks: Counter<"reason">;
  /** What the publisher sent, by path (whole, segment, pointer) and outcome. */
  readonly published: Counter<"path" | "outcome">;
  /** Bytes of incomplete wholes the receivers hold (each receiver adds its own; bounded per receiver by maxPendingBytes). */
  readonly segmentsPending: Gauge;
}

export function bridgeMetrics(metrics: Metrics): BridgeMetrics {
  return {
    received: metrics.counter("bridge_received_total", "Waku messages the description receiver took off its topics", ["kind"]),
    verified: metrics.counter("bridge_verified_total", "descriptions and pointers whose control-node signature verified", ["path"]),
    dropped: metrics.counter("bridge_dropped_total", "messages and fetched descriptions the receiver dropped", ["reason"]),
    delivered: metrics.counter("bridge_delivered_total", "descriptions handed on, one per community and clock", ["path"]),
    fetches: metrics.counter("bridge_fetches_total", "attempts to fetch a pointer's description from the store", ["outcome"]),
    fallbacks: metrics.counter("bridge_fallbacks_total", "pointers whose description came from the whole copy over Waku instead", ["reason"]),
    published: metrics.counter("bridge_published_total", "messages the description publisher sent", ["path", "outcome"]),
    segmentsPending: metrics.gauge("bridge_segments_pending_bytes", "bytes of incomplete segmented descriptions the receivers hold"),
  };
}
