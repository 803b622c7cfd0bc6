/**
 * The wire fuzzer, shared by test/wire/fuzz.test.ts (a modest run in CI) and scripts/fuzz.ts
 * (`npm run fuzz`, a million cases and more). Random and mutated bytes go into every decoder and
 * openEnvelope; the only acceptable outcomes are a value or a WireError. Inputs a decoder accepts
 * must also survive the forwarding path and decode again to the same view. openEnvelope and every
 * payload decoder are also held to their reflection path: the same view, or the same error code and
 * field (decoder-equivalence.ts).
 */
import { isDeepStrictEqual } from "node:util";
import { buildFixtures } from "../../../scripts/make-fixtures.js";
import {
  MAX_COMMUNITY_DESCRIPTION_BYTES,
  MAX_WAKU_ENVELOPE_BYTES,
  PAYLOAD_KINDS,
  SCHEMA_VERSIONS,
  WireError,
  decodeForForwarding,
  decodePayload,
  introducedIn,
  type PayloadKind,
  type ReaderWindow,
} from "../../../src/wire/index.js";
import { messageOf } from "../../../src/wire/payload-kinds.js";
import { agreeOnEnvelope, agreeOnPayload } from "./decoder-equivalence.js";
import { prng } from "./prng.js";
import { fieldMutation, variant } from "./wire-variants.js";
import { varint as varintBytes } from "../../support/varint.js";

export { prng };

export interface FuzzFailure {
  readonly index: number;
  readonly target: string;
  readonly inputHex: string;
  readonly problem: string;
}

export interface FuzzResult {
  readonly seed: number;
  readonly cases: number;
  /** Inputs some decoder accepted (mutations that kept a valid message). */
  readonly accepted: number;
  /** WireError codes seen, with counts. */
  readonly codes: Readonly<Record<string, number>>;
  readonly failures: readonly FuzzFailure[];
  readonly slowestMs: number;
  readonly peakHeapMiB: number;
}

export interface FuzzOptions {
  readonly seed: number;
  readonly cases: number;
  /** Called every `progressEvery` cases. */
  readonly onProgress?: (done: number, result: Omit<FuzzResult, "failures">) => void;
  readonly progressEvery?: number;
  /** Stop after this many failures (each is reported with its input). */
  readonly maxFailures?: number;
  /** A single case slower than this is a failure (a decoder must never come near hanging). */
  readonly slowCaseMs?: number;
  /** Heap above this (sampled) is a failure: decoding must not allocate by what the bytes claim. */
  readonly heapLimitMiB?: number;
  /** Decoders to fuzz instead of the wire's own (lets a test check that the fuzzer catches a bad one). */
  readonly targets?: readonly FuzzTarget[];
}

export interface FuzzTarget {
  readonly name: string;
  /** What the target decodes: a payload kind, or "envelope". */
  readonly kind: PayloadKind | "envelope";
  /** Returns a comparable result when the input is accepted. */
  run(bytes: Uint8Array): unknown;
}

const WINDOWS: readonly ReaderWindow[] = [
  { min: 1, max: 1 },
  { min: 1, max: 2 },
  { min: 2, max: 3 },
  { min: 1, max: 3 },
  { min: 3, max: 3 },
];

type Target = FuzzTarget;

/**
 * openEnvelope and decodePayload are each run three ways and must agree (see
 * decoder-equivalence.ts): the public function, its reflection path, and the single pass alone.
 */
function targets(): Target[] {
  const list: Target[] = WINDOWS.map((w) => ({
    name: `openEnvelope[${w.min},${w.max}]`,
    kind: "envelope" as const,
    run: (b: Uint8Array) => agreeOnEnvelope(b, w),
  }));
  for (const kind of PAYLOAD_KINDS) {
    for (const reader of SCHEMA_VERSIONS) {
      if (reader < introducedIn(kind)) continue;
      for (const written of [reader - 1, reader, reader + 1]) {
        if (written < introducedIn(kind)) continue;
        list.push({ name: `decode ${kind} w${written}/r${reader}`, kind, run: (b) => agreeOnPayload(kind, b, written, reader) });
        list.push({ name: `forward ${kind} w${written}/r${reader}`, kind, run: (b) => forwardRoundTrip(kind, b, written, reader) });
      }
    }
  }
  return list;
}

/**
 * Decode for forwarding, re-encode untouched, decode again: the view must not change. A newer
 * writer's encryption scheme is carried, not read (a reader refuses it), so such a message is
 * decoded again as the next relay would.
 */
function forwardRoundTrip(kind: PayloadKind, bytes: Uint8Array, written: number, reader: number): unknown {
  const first = decodeForForwarding(kind, bytes, { written, reader });
  const carried = (first.message as { encryption?: { newerScheme?: number } }).encryption?.newerScheme !== undefined;
  const out = first.encode();
  const again = carried ? decodeForForwarding(kind, out, { written, reader }).message : decodePayload(kind, out, { written, reader });
  if (!isDeepStrictEqual(normalize(first.message), normalize(again))) {
    throw new Error(`forwarded ${kind} decodes to a different view`);
  }
  return again;
}

/** Byte views compare by content whatever buffer they sit in. */
function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

interface Seed {
  readonly kind: PayloadKind | "envelope";
  readonly bytes: Uint8Array;
}

/** Every golden vector, labelled with what it is (from its .json). */
function corpus(): Seed[] {
  const files = buildFixtures();
  const seeds: Seed[] = [];
  for (const [path, content] of files) {
    if (!path.endsWith(".bin")) continue;
    const description = JSON.parse(String(files.get(path.replace(/\.bin$/, ".json")))) as { kind: Seed["kind"] };
    seeds.push({ kind: description.kind, bytes: new Uint8Array(content) });
  }
  return seeds;
}

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);

function randomBytes(r: Rand, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = int(r, 256);
  return out;
}

function splice(base: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(base.length - remove + insert.length);
  out.set(base.subarray(0, at));
  out.set(insert, at);
  out.set(base.subarray(at + remove), at + insert.length);
  return out;
}

/** One mutation of `base`, a seed of kind `kind` (or fresh random bytes). */
function mutate(r: Rand, base: Uint8Array, kind: Seed["kind"], seeds: readonly Seed[]): Uint8Array {
  const at = int(r, base.length + 1);
  switch (int(r, 15)) {
    case 0:
      return randomBytes(r, int(r, 600));
    case 1: {
      const out = base.slice();
      const flips = 1 + int(r, 8);
      for (let i = 0; i < flips && out.length > 0; i++) out[int(r, out.length)]! ^= 1 << int(r, 8);
      return out;
    }
    case 2: {
      const out = base.slice();
      for (let i = 0, n = 1 + int(r, 4); i < n && out.length > 0; i++) out[int(r, out.length)] = int(r, 256);
      return out;
    }
    case 3:
      return base.subarray(0, at); // truncation
    case 4:
      return splice(base, at, Math.min(base.length - at, 1 + int(r, 16)), []);
    case 5:
      return splice(base, at, 0, randomBytes(r, 1 + int(r, 16)));
    case 6: {
      // A length prefix or varint claiming far more than remains (up to 2^35).
      const claim = [0x7f, 0xffff, 0x7fff_ffff, 2 ** 32 + 5, 2 ** 35][int(r, 5)] as number;
      return splice(base, at, Math.min(base.length - at, int(r, 3)), varintBytes(claim));
    }
    case 7: {
      // An unknown field of a random wire type appended (group and invalid types included).
      const field = 1 + int(r, 40);
      const wireType = int(r, 8);
      return splice(base, base.length, 0, [...varintBytes(field * 8 + wireType), ...randomBytes(r, int(r, 12))]);
    }
    case 8: {
      const other = (seeds[int(r, seeds.length)] as Seed).bytes;
      return splice(base.subarray(0, at), at, 0, other.subarray(int(r, other.length + 1)));
    }
    case 9: {
      // Deeply nested start-groups or length-delimited wrappers.
      const depth = 1 + int(r, 200);
      const nest: number[] = [];
      for (let i = 0; i < depth; i++) nest.push(...(r() < 0.5 ? [0x0b] : [0x0a, 0x7f]));
      return splice(base, at, 0, nest);
    }
    case 10: {
      const out = base.slice();
      // Overwrite one byte with a tag of the same field and another wire type.
      if (out.length > 0) {
        const i = int(r, out.length);
        out[i] = ((out[i] as number) & 0xf8) | int(r, 8);
      }
      return out;
    }
    case 11: {
      // The same message encoded otherwise (reordered, unknown fields, overridden duplicates, padded
      // varints), often mutated again: the non-canonical paths of both decoders.
      const other = variant(kind === "envelope" ? "Envelope" : messageOf(kind), base, { int: (n) => int(r, n) });
      return r() < 0.5 ? other : mutate(r, other, kind, seeds);
    }
    case 12:
    case 13: {
      // One to three field-level changes (a field dropped, repeated, set to an edge value...),
      // at any depth: well-formed bytes whose rules decide.
      const message = kind === "envelope" ? "Envelope" : messageOf(kind);
      let out = base;
      for (let i = 0, n = 1 + int(r, 3); i < n; i++) out = fieldMutation(message, out, { int: (k) => int(r, k) });
      return out;
    }
    default:
      // Rarely: one byte over a cap, which must be refused before decoding.
      return r() < 0.02 ? (OVERSIZED[int(r, OVERSIZED.length)] as Uint8Array) : base.slice();
  }
}

/** Allocated once: inputs one byte over each cap. */
const OVERSIZED = [new Uint8Array(MAX_WAKU_ENVELOPE_BYTES + 1), new Uint8Array(MAX_COMMUNITY_DESCRIPTION_BYTES + 1)];

export function runFuzz(options: FuzzOptions): FuzzResult {
  const r = prng(options.seed);
  const seeds = corpus();
  const all = options.targets ?? targets();
  const maxFailures = options.maxFailures ?? 20;
  const slowCaseMs = options.slowCaseMs ?? 2000;
  const heapLimit = (options.heapLimitMiB ?? 1024) * 2 ** 20;
  const every = options.progressEvery ?? 100_000;
  const codes: Record<string, number> = {};
  const failures: FuzzFailure[] = [];
  let accepted = 0;
  let slowest = 0;
  let peakHeap = 0;
  let done = 0;
  const snapshot = () => ({ seed: options.seed, cases: done, accepted, codes: { ...codes }, slowestMs: slowest, peakHeapMiB: peakHeap / 2 ** 20 });
  const byKind = new Map<Seed["kind"], Target[]>();
  for (const t of all) byKind.set(t.kind, [...(byKind.get(t.kind) ?? []), t]);
  for (; done < options.cases && failures.length < maxFailures; done++) {
    const seed = seeds[int(r, seeds.length)] as Seed;
    const input = mutate(r, seed.bytes, seed.kind, seeds);
    // Mostly a decoder of the seed's own kind (mutations then reach deep into it), sometimes any.
    const pool = r() < 0.85 ? (byKind.get(seed.kind) ?? all) : all;
    const target = pool[int(r, pool.length)] as Target;
    const start = performance.now();
    let problem: string | undefined;
    try {
      target.run(input);
      accepted++;
    } catch (err) {
      if (!(err instanceof WireError)) problem = `threw ${describeError(err)}`;
      else if (err.details.stage === "internal") problem = `internal fault: ${describeError(err.cause)}`;
      else codes[err.code] = (codes[err.code] ?? 0) + 1;
    }
    const ms = performance.now() - start;
    if (ms > slowest) slowest = ms;
    if (problem === undefined && ms > slowCaseMs) problem = `took ${ms.toFixed(0)} ms`;
    if ((done & 0x3ff) === 0) {
      const heap = process.memoryUsage().heapUsed;
      if (heap > peakHeap) peakHeap = heap;
      if (problem === undefined && heap > heapLimit) problem = `heap at ${(heap / 2 ** 20).toFixed(0)} MiB`;
    }
    if (problem !== undefined) {
      failures.push({ index: done, target: target.name, inputHex: Buffer.from(input.subarray(0, 4096)).toString("hex"), problem });
    }
    if (options.onProgress !== undefined && (done + 1) % every === 0) options.onProgress(done + 1, snapshot());
  }
  return { ...snapshot(), failures };
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
