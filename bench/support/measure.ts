import { closeSync, fsyncSync, openSync } from "node:fs";

/**
 * Shared measuring for benchmarks. Every figure is reported as a ratio against a floor measured in
 * the same run (same machine, same load), never as an absolute pass/fail time.
 */

export interface Rate {
  /** Operations per second, median of the rounds. */
  opsPerSec: number;
  /** Every round's ops/s, for the spread. */
  rounds: number[];
}

/** Runs `fn` repeatedly for `roundMs` per round, `rounds` times (after one warm-up round). */
export function measureRate(fn: () => void, options: { roundMs?: number; rounds?: number } = {}): Rate {
  const roundMs = options.roundMs ?? 500;
  const rounds = options.rounds ?? 5;
  const results: number[] = [];
  for (let r = -1; r < rounds; r++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < roundMs) {
      for (let i = 0; i < 64; i++) fn();
      n += 64;
      elapsed = performance.now() - start;
    }
    if (r >= 0) results.push((n * 1000) / elapsed);
  }
  return { opsPerSec: median(results), rounds: results };
}

/** Wall time of an async job, median over `rounds` runs (after `warmup` runs). */
export async function measureTime(
  fn: () => Promise<void> | void,
  options: { rounds?: number; warmup?: number } = {},
): Promise<{ ms: number; rounds: number[] }> {
  const rounds = options.rounds ?? 3;
  for (let i = 0; i < (options.warmup ?? 1); i++) await fn();
  const results: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await fn();
    results.push(performance.now() - start);
  }
  return { ms: median(results), rounds: results };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Samples RSS every `everyMs` while `fn` runs; returns the peak in MiB. */
export async function peakRssDuring<T>(fn: () => Promise<T>, everyMs = 20): Promise<{ result: T; peakMiB: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakMiB: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

export interface Row {
  metric: string;
  value: string;
  floor?: string;
  ratio?: string;
  goal?: string;
  verdict?: string;
}

/** A Markdown table, ready to paste into bench/RESULTS.md. */
export function markdownTable(rows: readonly Row[]): string {
  const head = "| metric | value | floor | ratio | goal | verdict |\n|---|---|---|---|---|---|";
  const body = rows.map((r) =>
    `| ${r.metric} | ${r.value} | ${r.floor ?? ""} | ${r.ratio ?? ""} | ${r.goal ?? ""} | ${r.verdict ?? ""} |`,
  );
  return [head, ...body].join("\n");
}

export function fmt(n: number, digits = 2): string {
  return n >= 1000 ? Math.round(n).toLocaleString("en-US") : n.toFixed(digits);
}

/** fsync of a file or directory by path, outside any timed window (a read-only descriptor is enough on Linux). */
export function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
