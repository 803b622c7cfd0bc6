import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from "prom-client";

export interface MetricsOptions {
  /** Prepended to every metric name: empty, or a Prometheus name (letters, digits, `_`, `:`; no digit first). A RangeError otherwise. */
  prefix?: string;
  /** Process metrics (RSS, CPU, event-loop lag); off by default (an embedding app has its own). Nothing in this package turns them on, the CLI included. */
  defaultMetrics?: boolean;
}

/** A metric name's start as Prometheus' text format reads it (the rest may also hold digits). */
const PREFIX_PATTERN = /^(?:[a-zA-Z_:][a-zA-Z0-9_:]*)?$/;

type MetricKind = "counter" | "gauge" | "histogram";

/**
 * A registry per client, not prom-client's global one: several clients (e.g. two protocol profiles
 * in one matrix run) live in one process and must not share counters unasked. An application may
 * still pass one registry to several clients (two accounts): their counters add up, and the
 * storage gauges are the sum of the started clients' values (src/storage/storage-metrics.ts).
 * Getters are idempotent so components can ask for the same metric without coordinating; asking
 * again with another kind, other label names or other buckets is a TypeError at that call, not a
 * metric of the wrong shape that fails later where it is recorded (or records under the wrong labels).
 */
export class Metrics {
  readonly registry: Registry;
  readonly prefix: string;

  constructor(options: MetricsOptions = {}) {
    const prefix = options.prefix ?? "status_compat_";
    if (typeof prefix !== "string" || !PREFIX_PATTERN.test(prefix)) {
      throw new RangeError(
        `metrics prefix ${JSON.stringify(prefix)} cannot start a Prometheus metric name: use letters, digits, '_' or ':', not starting with a digit (e.g. "status_compat_")`,
      );
    }
    this.registry = new Registry();
    this.prefix = prefix;
    if (options.defaultMetrics === true) collectDefaultMetrics({ register: this.registry, prefix: this.prefix });
  }

  counter<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    const full = this.prefix + name;
    const existing = this.existing(full, "counter", labelNames);
    if (existing !== undefined) return existing as Counter<L>;
    return new Counter<L>({ name: full, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    const full = this.prefix + name;
    const existing = this.existing(full, "gauge", labelNames);
    if (existing !== undefined) return existing as Gauge<L>;
    return new Gauge<L>({ name: full, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string = string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets?: number[],
  ): Histogram<L> {
    const full = this.prefix + name;
    const existing = this.existing(full, "histogram", labelNames, buckets);
    if (existing !== undefined) return existing as Histogram<L>;
    return new Histogram<L>({
      name: full,
      help,
      labelNames,
      registers: [this.registry],
      ...(buckets === undefined ? {} : { buckets }),
    });
  }

  /** The metric already registered under `full`, when it has the shape asked for; a TypeError when it has another. */
  private existing(full: string, kind: MetricKind, labelNames: readonly string[], buckets?: readonly number[]): Metric | undefined {
    const metric = this.registry.getSingleMetric(full);
    if (metric === undefined) return undefined;
    const has = kindOf(metric);
    if (has !== kind) throw new TypeError(`metric ${full} is registered as a ${has ?? "metric of another kind"}, asked for as a ${kind}`);
    const registered = [...((metric as unknown as { labelNames?: readonly string[] }).labelNames ?? [])].sort();
    const asked = [...labelNames].sort();
    if (registered.join(",") !== asked.join(",")) {
      throw new TypeError(`metric ${full} is registered with labels [${registered.join(", ")}], asked for with [${asked.join(", ")}]`);
    }
    if (buckets !== undefined) {
      const bounds = (metric as unknown as { upperBounds?: readonly number[] }).upperBounds ?? [];
      const wanted = [...buckets];
      if (bounds.join(",") !== wanted.join(",")) {
        throw new TypeError(`metric ${full} is registered with buckets [${bounds.join(", ")}], asked for with [${wanted.join(", ")}]`);
      }
    }
    return metric;
  }

  /** Prometheus text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  return new Metrics(options);
}

function kindOf(metric: Metric): MetricKind | undefined {
  if (metric instanceof Counter) return "counter";
  if (metric instanceof Gauge) return "gauge";
  if (metric instanceof Histogram) return "histogram";
  return undefined;
}
