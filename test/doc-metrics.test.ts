/**
 * docs/storage.md, Metrics: the table an operator builds dashboards and alerts from. Each metric
 * the storage client registers must be a row with its exact name (under the `status_compat_`
 * prefix the section states) and label names, and each row a metric the client registers: a
 * renamed metric or label leaves a dashboard silently empty. Read from the registry a client's
 * metrics are made in (storage-metrics.ts), not from a list kept here. Likewise the Logging
 * section's component names, which log queries filter on: every componentLogger(…, "name") of src/.
 */
import { describe, expect, test } from "vitest";
import { createMetrics } from "../src/obs/index.js";
import { storageMetrics } from "../src/storage/storage-metrics.js";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readPage, section, tableRows } from "./support/doc-pages.js";

const PAGE = "docs/storage.md";

/** A row's label names: the cell's comma-separated names, each maybe followed by its values in parentheses. */
function labelNames(cell: string): string[] {
  const bare = cell.replace(/\([^)]*\)/g, "").trim();
  return bare === "" ? [] : bare.split(",").map((name) => name.trim());
}

describe(`${PAGE}, Metrics`, () => {
  const text = section(PAGE, "Metrics");
  const prefix = /prefix `([a-z_]+)`/.exec(text.replace(/\s+/g, " "))?.[1];
  const documented = tableRows(text, "| metric | labels | what |", `${PAGE}, Metrics`).map(([name = "", labels = ""]) => ({
    name: /^`([a-z0-9_]+)`$/.exec(name)?.[1] ?? `unreadable: ${name}`,
    labels: labelNames(labels).sort(),
  }));
  const metrics = createMetrics();
  storageMetrics(metrics);
  const registered = metrics.registry.getMetricsAsArray().map((m) => ({
    name: m.name,
    labels: [...((m as unknown as { labelNames?: readonly string[] }).labelNames ?? [])].sort(),
  }));

  test("states the prefix every metric name carries, the registry's default", () => {
    expect(prefix).toBe(metrics.prefix);
    expect(registered.length).toBeGreaterThanOrEqual(10);
  });

  test("every metric the storage client registers is a row, with its label names", () => {
    const rows = new Map(documented.map((d) => [`${prefix ?? ""}${d.name}`, d.labels]));
    const wrong = registered.flatMap((m) => {
      const labels = rows.get(m.name);
      if (labels === undefined) return [`${m.name} (labels ${m.labels.join(", ") || "none"}) has no row in ${PAGE}, Metrics`];
      if (labels.join(",") !== m.labels.join(",")) return [`${m.name}: ${PAGE} lists labels [${labels.join(", ")}], the client registers [${m.labels.join(", ")}]`];
      return [];
    });
    expect(wrong).toEqual([]);
  });

  test("every row is a metric the storage client registers", () => {
    const names = new Set(registered.map((m) => m.name));
    expect(documented.map((d) => `${prefix ?? ""}${d.name}`).filter((name) => !names.has(name))).toEqual([]);
  });
});

describe(`${PAGE}, Logging`, () => {
  test("names every component a logger of the package is made for", () => {
    const src = fileURLToPath(new URL("../src/", import.meta.url));
    const code = readdirSync(src, { recursive: true, encoding: "utf8" })
      .filter((name) => name.endsWith(".ts"))
      .map((name) => readPage(`src/${name.split("\\").join("/")}`))
      .join("\n");
    const components = [...new Set([...code.matchAll(/componentLogger\([^;]*?, "([a-z.-]+)"\)/g)].map((m) => m[1] as string))];
    expect(components).toContain("storage.client");
    const text = section(PAGE, "Logging");
    // The description bridge's components are on its own page (docs/bridge.md), not the storage client's.
    const bridgePage = readPage("docs/bridge.md");
    expect(components.filter((name) => !(name.startsWith("bridge.") ? bridgePage : text).includes(`\`${name}\``))).toEqual([]);
  });
});
