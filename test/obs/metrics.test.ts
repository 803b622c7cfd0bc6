import { describe, expect, it } from "vitest";
import { register } from "prom-client";
import { createMetrics, Metrics } from "../../src/obs/index.js";

describe("Metrics", () => {
  it("hands back the same metric when asked again with the same shape", () => {
    const metrics = createMetrics();
    const first = metrics.counter("jobs_total", "jobs", ["kind", "state"]);
    expect(metrics.counter("jobs_total", "jobs", ["state", "kind"])).toBe(first);
    const h = metrics.histogram("job_seconds", "durations", ["kind"], [1, 5, 30]);
    expect(metrics.histogram("job_seconds", "durations", ["kind"], [1, 5, 30])).toBe(h);
    expect(metrics.histogram("job_seconds", "durations", ["kind"])).toBe(h);
  });

  it("refuses, at the call, a name already registered as another kind, with other labels or other buckets", () => {
    const metrics = createMetrics();
    metrics.counter("jobs_total", "jobs", ["kind"]);
    expect(() => metrics.gauge("jobs_total", "jobs", ["kind"])).toThrow(TypeError);
    expect(() => metrics.gauge("jobs_total", "jobs", ["kind"])).toThrow(/status_compat_jobs_total is registered as a counter, asked for as a gauge/);
    expect(() => metrics.counter("jobs_total", "jobs", ["kind", "code"])).toThrow(/registered with labels \[kind\], asked for with \[code, kind\]/);
    expect(() => metrics.counter("jobs_total", "jobs")).toThrow(TypeError);
    metrics.histogram("job_seconds", "durations", [], [1, 5]);
    expect(() => metrics.histogram("job_seconds", "durations", [], [1, 10])).toThrow(/buckets \[1, 5\], asked for with \[1, 10\]/);
    expect(() => metrics.counter("job_seconds", "durations")).toThrow(/registered as a histogram/);
    // Nothing was registered twice or replaced by the refused calls.
    expect(metrics.registry.getMetricsAsArray().map((m) => m.name).sort()).toEqual(["status_compat_job_seconds", "status_compat_jobs_total"]);
  });

  it("refuses, when made, a prefix no Prometheus metric name can start with", () => {
    for (const prefix of ["status-compat_", "1x_", "a b", "ü_", "x.y"]) {
      expect(() => createMetrics({ prefix }), prefix).toThrow(RangeError);
    }
    expect(() => new Metrics({ prefix: "status-compat_" })).toThrow(/metrics prefix "status-compat_" cannot start a Prometheus metric name/);
    for (const prefix of ["", "app_", "_x", "ns:sub_", "A9_"]) {
      const metrics = createMetrics({ prefix });
      metrics.counter("things_total", "things").inc();
      expect(metrics.registry.getSingleMetric(`${prefix}things_total`)).toBeDefined();
    }
  });

  it("keeps each client's registry apart from prom-client's global one", async () => {
    const metrics = createMetrics();
    metrics.counter("apart_total", "apart").inc(3);
    expect(await metrics.text()).toMatch(/^status_compat_apart_total 3$/m);
    expect(register.getSingleMetric("status_compat_apart_total")).toBeUndefined();
  });
});
