/**
 * `npm run bench -- bridge`: signing, verifying, segmenting and reassembling a 10,000-member
 * community description (~1.5 MB), each as a ratio against keccak256 of the same whole envelope
 * measured in the same run (the hash every one of them computes at least once).
 *
 * - seal: encode the SignedCommunityDescription, keccak256 without the signature field, sign, wrap
 *   in its whole envelope;
 * - open + verify: open the whole envelope (single pass, every field checked), take the signature
 *   field out of the payload's bytes, keccak256, recover the signer, compare;
 * - segment: sha256 of the whole and its Segment envelopes;
 * - reassemble: open each segment envelope and add it to a fresh SegmentReassembler (copies,
 *   concatenation, sha256 of the whole).
 * Ratios are measured time over floor time: "costs N keccak256s of the whole". The floor is the
 * crypto layer's keccak256 once its WebAssembly is loaded (awaited first); noble's JavaScript
 * keccak, which answered before it, is measured against it too.
 */
import {
  SegmentReassembler,
  openBridgeEnvelope,
  openReassembledDescription,
  sealCommunityDescription,
  segmentEnvelope,
} from "../src/bridge/index.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { keccak256, keccak256Implementation, loadKeccak256, newSecretKey, sha256 } from "../src/crypto/index.js";
import { fmt, markdownTable, median, type Row } from "./support/measure.js";

const MEMBERS = 10_000;
const READER = { min: 2, max: 3 };

/** A CommunityDescription-like protobuf: `members` map entries (132-char hex key, a member with a clock), ~147 B each. */
function description(members: number): Uint8Array {
  const out: number[] = [];
  const hex = "0123456789abcdef";
  for (let m = 0; m < members; m++) {
    let key = "0x04";
    for (let i = 0; i < 128; i++) key += hex[(m * 7 + i * 13) % 16];
    const member = [0x18, 0x80 | (m & 0x7f), 0x01]; // last_update_clock, a 2-byte varint
    const entry = [0x0a, key.length, ...Buffer.from(key), 0x12, member.length, ...member];
    out.push(0x12, entry.length & 0x7f | 0x80, entry.length >> 7, ...entry);
  }
  return Uint8Array.from(out);
}

let sink: unknown;

interface Comparison {
  readonly measured: number;
  readonly floor: number;
  /** Median measured time over median floor time: how many floors one operation costs. */
  readonly cost: number;
  /** The first and third quartiles of the per-pair ratios. */
  readonly spread: readonly [number, number];
}

/** Wall time of one call, in ms. */
function timed(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/**
 * Floor and measured called in turn, one call each, PAIRS times (after one warm-up of each), so
 * both see the same load; medians of the per-call times. One call here takes a good part of a
 * second under load, too long for measureRate's 64 calls between two looks at the clock.
 */
const PAIRS = 12;

function compare(measured: () => void, floor: () => void): Comparison {
  floor();
  measured();
  const floors: number[] = [];
  const measures: number[] = [];
  for (let i = 0; i < PAIRS; i++) {
    floors.push(timed(floor));
    measures.push(timed(measured));
  }
  const perPair = measures.map((m, i) => m / (floors[i] as number));
  const f = median(floors);
  const m = median(measures);
  return { measured: 1000 / m, floor: 1000 / f, cost: m / f, spread: [quartile(perPair, 0.25), quartile(perPair, 0.75)] };
}

function quartile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function mbPerSecond(bytes: number, opsPerSecond: number): string {
  return ((bytes * opsPerSecond) / 1e6).toFixed(1);
}

function row(metric: string, r: Comparison): Row {
  return {
    metric,
    value: `${fmt(r.measured)} ops/s`,
    floor: `${fmt(r.floor)} ops/s (keccak256 of the whole)`,
    ratio: `${r.cost.toFixed(2)}x (${r.spread[0].toFixed(2)}-${r.spread[1].toFixed(2)})`,
  };
}

export async function run(): Promise<string> {
  await loadKeccak256();
  const secretKey = newSecretKey();
  const draft = { description: description(MEMBERS), clock: 42 };
  const sealed = sealCommunityDescription(draft, { secretKey, version: 3 });
  const whole = sealed.envelope;
  const segmentEnvelopes = segmentEnvelope(whole, { version: 3 });
  const floor = (): void => {
    sink = keccak256(whole);
  };

  const seal = compare(() => {
    sink = sealCommunityDescription(draft, { secretKey, version: 3 });
  }, floor);
  const verify = compare(() => {
    sink = openReassembledDescription(whole, READER);
  }, floor);
  const split = compare(() => {
    sink = segmentEnvelope(whole, { version: 3 });
  }, floor);
  let held = 0;
  const reassemble = compare(() => {
    const reassembler = new SegmentReassembler({ clock: { now: () => 0 } });
    for (const envelope of segmentEnvelopes) {
      const opened = openBridgeEnvelope(envelope, READER);
      if (opened.kind !== "segment") throw new Error("not a segment");
      held = Math.max(held, reassembler.pendingBytes);
      const outcome = reassembler.add(opened.message);
      if (outcome.status === "complete") sink = outcome.whole;
    }
  }, floor);
  void sink;

  // Node's OpenSSL 3.0 has SHA3 (other padding) but no keccak256: the WebAssembly one against
  // noble's JavaScript one, which the crypto layer used before, and against Node's sha256.
  const noble = compare(() => {
    sink = keccak_256(whole);
  }, floor);
  const hashes = compare(floor, () => {
    sink = sha256(whole);
  });

  const rows: Row[] = [
    row(`seal: sign + envelope, ${draft.description.length} B description`, seal),
    row(`open + verify the ${whole.length} B whole envelope`, verify),
    row(`segment into ${segmentEnvelopes.length} envelopes`, split),
    row(`open ${segmentEnvelopes.length} segment envelopes + reassemble`, reassemble),
    row("noble's keccak256 (JavaScript) of the whole", noble),
    { ...row(`keccak256 of the whole (the floor above: ${keccak256Implementation()}), against Node's sha256 of it`, hashes), floor: `${fmt(hashes.floor)} ops/s (sha256, OpenSSL)` },
  ];
  return [
    markdownTable(rows),
    "",
    `A ${MEMBERS.toLocaleString("en")}-member description of ${draft.description.length} bytes (member map entries of ~147 B, as facts/status-protocol.md estimates), ` +
      `its whole envelope ${whole.length} bytes (${mbPerSecond(whole.length, noble.floor)} MB/s by keccak256, ${mbPerSecond(whole.length, noble.measured)} MB/s by noble's), ${segmentEnvelopes.length} segments. Each figure is the median of ${PAIRS} calls, measured and floor ` +
      "called in turn; the ratio is how many keccak256s of the whole one operation costs (in brackets, the quartiles of the per-pair ratios). " +
      `The reassembler held at most ${held} bytes of segments before the last one completed the whole (then one whole more, the result).`,
  ].join("\n");
}
