import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface MetricsOptions {
  /** Prepended to every metric name. */
  prefix?: string;
  /** Process metrics (RSS, CPU, event-loop lag); off by default (an embedding app has its own). Nothing in this package turns them on, the CLI included. */
  defaultMetrics?: boolean;
}

/**
 * A registry per client, not prom-client's global one: several clients (e.g. two protocol profiles
 * in one matrix run) live in one process and must not share counters.
 * Getters are idempotent so components can ask for the same metric without coordinating.
 */
export class Metrics {
  readonly registry: Registry;
  readonly prefix: string;

  constructor(options: MetricsOptions = {}) {
    this.registry = new Registry();
    this.prefix = options.prefix ?? "status_compat_";
    if (options.defaultMetrics === true) collectDefaultMetrics({ register: this.registry, prefix: this.prefix });
  }

  counter<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    const full = this.prefix + name;
    const existing = this.registry.getSingleMetric(full);
    if (existing !== undefined) return existing as Counter<L>;
    return new Counter<L>({ name: full, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    const full = this.prefix + name;
    const existing = this.registry.getSingleMetric(full);
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
    const existing = this.registry.getSingleMetric(full);
    if (existing !== undefined) return existing as Histogram<L>;
    return new Histogram<L>({
      name: full,
      help,
      labelNames,
      registers: [this.registry],
      ...(buckets === undefined ? {} : { buckets }),
    });
  }

  /** Prometheus text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  return new Metrics(options);
}
