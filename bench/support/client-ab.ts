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

/** A child's round trip as the median of its rounds' own ratios to their floors, and its medians. */
function summary(r: ClientRounds): { ratio: number; floor: number; share: number; fetch: number } {
  const ratios = r.share.map((s, i) => (s + (r.fetch[i] as number)) / (r.floor[i] as number));
  return { ratio: median(ratios), floor: median(r.floor), share: median(r.share), fetch: median(r.fetch) };
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
  const runs: { a: ReturnType<typeof summary>; b: ReturnType<typeof summary>; load: string }[] = [];
  for (let p = 0; p < pairs; p++) {
    const before = load();
    const order = p % 2 === 0 ? [a, b] : [b, a];
    const got = new Map<AbSide, ReturnType<typeof summary>>();
    for (const side of order) got.set(side, summary(await side.run()));
    runs.push({ a: got.get(a) as ReturnType<typeof summary>, b: got.get(b) as ReturnType<typeof summary>, load: `${before}–${load()}` });
  }
  const side = (label: string, pick: (r: (typeof runs)[number]) => ReturnType<typeof summary>): Row => {
    const s = runs.map(pick);
    return {
      metric: `${label}: round trip against its floor, median of each child's rounds (median of the ${pairs} children, range)`,
      value: `share ${spread(s.map((x) => x.share), 0)} ms, fetch ${spread(s.map((x) => x.fetch), 0)} ms`,
      floor: `${spread(s.map((x) => x.floor), 0)} ms`,
      ratio: `${spread(s.map((x) => x.ratio), 2)}×`,
    };
  };
  const quotients = runs.map((r) => r.b.ratio / r.a.ratio);
  return [
    side(`A ${a.label}`, (r) => r.a),
    side(`B ${b.label}`, (r) => r.b),
    {
      metric: `B against A, pair by pair (B's ratio / A's ratio; under 1: B faster)`,
      value: quotients.map((q) => q.toFixed(2)).join(" / "),
      ratio: `median ${median(quotients).toFixed(2)}×`,
    },
    { metric: "load average (1 min) over each pair", value: runs.map((r) => r.load).join(", ") },
  ];
}
