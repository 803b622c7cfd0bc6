/**
 * docs/bridge.md, Receiver: the metrics table dashboards are built from. Each metric bridgeMetrics
 * registers is a row with its exact name and label names, and each row one it registers.
 */
import { describe, expect, test } from "vitest";
import { bridgeMetrics } from "../../src/bridge/bridge-metrics.js";
import { createMetrics } from "../../src/obs/index.js";
import { section, tableRows } from "../support/doc-pages.js";

const PAGE = "docs/bridge.md";

describe(`${PAGE}, Receiver, metrics`, () => {
  test("the table and the registry name the same metrics with the same labels", () => {
    const metrics = createMetrics();
    bridgeMetrics(metrics);
    const registered = metrics.registry.getMetricsAsArray().map((m) => ({
      name: m.name,
      labels: [...((m as unknown as { labelNames?: readonly string[] }).labelNames ?? [])].sort(),
    }));
    const text = section(PAGE, "Receiver");
    expect(text).toContain(`prefix \`${metrics.prefix}\``);
    const documented = tableRows(text, "| metric | labels | what |", `${PAGE}, Receiver`).map(([name = "", labels = ""]) => ({
      name: metrics.prefix + (/^`([a-z0-9_]+)`$/.exec(name)?.[1] ?? `unreadable: ${name}`),
      labels: labels.replace(/\([^)]*\)/g, "").split(",").map((l) => l.trim()).filter(Boolean).sort(),
    }));
    expect(documented.sort((a, b) => a.name.localeCompare(b.name))).toEqual(registered.sort((a, b) => a.name.localeCompare(b.name)));
  });
});
