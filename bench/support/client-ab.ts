import { loadavg } from "node:os";
import { fmt, median, type Row } from "./measure.js";

/** What one speed child gives of the client's round trip: its rounds, each beside a floor measured in turn with it. */
export interface ClientRounds {
  floor: number[];
  share: number[];
  fetch: number[];
}

/** One checkout's side of the comparison: a label for the table and a fresh speed child of its code. */
export interface AbSide {
  label: string;
  run(): Promise<ClientRounds>;
}

interface Summary {
  /** The round trip, the share alone and the fetch alone: each the median of the rounds' own ratios to their floors. */
  ratio: number;
  shareRatio: number;
  fetchRatio: number;
  floor: number;
  share: number;
  fetch: number;
}

/** A child's rounds against their floors, and its medians. */
function summary(r: ClientRounds): Summary {
  const against = (times: (i: number) => number): number => median(r.floor.map((f, i) => times(i) / f));
  return {
    ratio: against((i) => (r.share[i] as number) + (r.fetch[i] as number)),
    shareRatio: against((i) => r.share[i] as number),
    fetchRatio: against((i) => r.fetch[i] as number),
    floor: median(r.floor),
    share: median(r.share),
    fetch: median(r.fetch),
  };
}

const load = (): string => loadavg()[0]?.toFixed(1) ?? "?";
const spread = (values: readonly number[], digits: number): string => `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)})`;

/**
 * The client's round trip of two checkouts in alternating pairs of speed children (which goes first
 * alternates too), so both meet the same minutes of a shared machine: a change is judged by the
 * pairs' ratios, never by one run (others' work moves a single run's figure by 2× here). Each
 * child compares its round trip with its own floor, so the per-pair quotient of those ratios
 * cancels what the load did to both. Returns the table's rows.
 */
export async function abRows(pairs: number, b: AbSide, a: AbSide): Promise<Row[]> {
  const runs: { a: Summary; b: Summary; load: string }[] = [];
  for (let p = 0; p < pairs; p++) {
    const before = load();
    const order = p % 2 === 0 ? [a, b] : [b, a];
    const got = new Map<AbSide, Summary>();
    for (const side of order) got.set(side, summary(await side.run()));
    runs.push({ a: got.get(a) as Summary, b: got.get(b) as Summary, load: `${before}–${load()}` });
  }
  const side = (label: string, pick: (r: (typeof runs)[number]) => Summary): Row => {
    const s = runs.map(pick);
    return {
      metric: `${label}: round trip against its floor, median of each child's rounds (median of the ${pairs} children, range)`,
      value: `share ${spread(s.map((x) => x.share), 0)} ms, fetch ${spread(s.map((x) => x.fetch), 0)} ms`,
      floor: `${spread(s.map((x) => x.floor), 0)} ms`,
      ratio: `${spread(s.map((x) => x.ratio), 2)}×`,
    };
  };
  // A change to one direction shows in its own half first: the round trip dilutes it.
  const against = (what: string, pick: (s: Summary) => number): Row => {
    const quotients = runs.map((r) => pick(r.b) / pick(r.a));
    return { metric: `B against A, ${what}, pair by pair (B's ratio to its floor / A's; under 1: B faster)`, value: quotients.map((q) => q.toFixed(2)).join(" / "), ratio: `median ${median(quotients).toFixed(2)}×` };
  };
  return [
    side(`A ${a.label}`, (r) => r.a),
    side(`B ${b.label}`, (r) => r.b),
    against("round trip", (s) => s.ratio),
    against("share alone", (s) => s.shareRatio),
    against("fetch alone", (s) => s.fetchRatio),
    { metric: "load average (1 min) over each pair", value: runs.map((r) => r.load).join(", ") },
  ];
}
