/**
 * `npm run bench -- wire`: the reader's hot path for a ~1 KB FileReference envelope, as a ratio
 * against protobufjs decoding the same bytes in the same run.
 *
 * - measured: openEnvelope (size cap, single-pass decode with every field validated, readability)
 *   + chooseWriteVersion for the reply to the sender (negotiation);
 * - floor: protobufjs `Envelope.decode` + `FileReference.decode` of the same bytes, default options,
 *   no validation, with the same generated schema (reflection-generated decoders).
 * Both sides get the same bytes, the same time per round, alternate, and are compared by medians.
 * Also reported: a newer writer read by an older reader, the same read through the reflection path
 * alone (what decides every input the single pass declines), forwarding, encoding, and the
 * pre-decode scan (the walk that refuses lists over their cap and, for forwarding, too many unknown
 * fields before protobufjs builds them) of a 1,024-piece reference against protobufjs decoding it.
 */
import protobuf from "protobufjs/light.js";
import { chooseWriteVersion, peerAudience } from "../src/negotiate/index.js";
import { profileFor } from "../src/versions/index.js";
import { schemaV3 } from "../src/wire/gen/schema/v3.js";
import {
  decodeForForwarding,
  encodeEnvelope,
  encodeFileReference,
  MAX_UNKNOWN_FIELDS,
  openEnvelope,
  type FileReference,
} from "../src/wire/index.js";
import { openEnvelopeReflected } from "../src/wire/envelope.js";
import { checkBeforeDecode } from "../src/wire/pre-decode-scan.js";
import { schemaFor } from "../src/wire/schema-registry.js";
import { fmt, markdownTable, measureRate, median, type Row } from "./support/measure.js";

const GOAL = 0.7;

function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 17) & 0xff);
}

const CID = "zDvZRwzmAkhzDRPH5EW242gJBNZ2T7aoH2v1fVH66FxXL4kSbvyM";

function fileReference(pieces: number): FileReference {
  return {
    pieces: Array.from({ length: pieces }, (_, i) => ({ cid: CID, size: 4_194_320, sha256: bytes(32, i) })),
    encryption: { scheme: "aes-256-gcm-stream", key: bytes(32, 90), noncePrefix: bytes(7, 91), chunkSize: 65_536 },
    plaintextSize: pieces * 4_194_304,
    mime: "application/pdf",
    fileName: "quarterly report 2026.pdf",
    plaintextSha256: bytes(32, 92),
    uploadedAt: 1_767_225_600,
    expiresAt: 1_769_817_600,
  };
}

let sink: unknown;

interface Comparison {
  readonly measured: number;
  readonly floor: number;
  /** Median measured rate over median floor rate, all rounds. */
  readonly ratio: number;
  /** The lowest and highest ratio of one block (a floor block and the measured block after it). */
  readonly blocks: readonly [number, number];
}

/**
 * Alternates the two functions in blocks of three rounds, so that drift in machine load hits both
 * alike; the ratio is of the medians of all rounds, and the spread of the per-block ratios says how
 * steady the machine was meanwhile.
 */
function compare(measured: () => void, floor: () => void): Comparison {
  const a: number[] = [];
  const b: number[] = [];
  const blockRatios: number[] = [];
  for (let i = 0; i < 4; i++) {
    const f = measureRate(floor, { roundMs: 250, rounds: 3 });
    const m = measureRate(measured, { roundMs: 250, rounds: 3 });
    b.push(...f.rounds);
    a.push(...m.rounds);
    blockRatios.push(m.opsPerSec / f.opsPerSec);
  }
  const m = median(a);
  const f = median(b);
  return { measured: m, floor: f, ratio: m / f, blocks: [Math.min(...blockRatios), Math.max(...blockRatios)] };
}

function row(metric: string, r: Comparison, floorName: string, goal?: number): Row {
  return {
    metric,
    value: `${fmt(r.measured)} ops/s`,
    floor: `${fmt(r.floor)} ops/s (${floorName})`,
    ratio: `${r.ratio.toFixed(2)} (${r.blocks[0].toFixed(2)}-${r.blocks[1].toFixed(2)})`,
    goal: goal === undefined ? "" : `>= ${goal}`,
    verdict: goal === undefined ? "" : r.ratio >= goal ? "ok" : "below goal",
  };
}

export async function run(): Promise<string> {
  const root = protobuf.Root.fromJSON(schemaV3 as protobuf.INamespace);
  const RawEnvelope = root.lookupType("status.storage.Envelope");
  const RawFileReference = root.lookupType("status.storage.FileReference");

  const v3 = profileFor(3);
  const v2 = profileFor(2);
  const sender = { minVersion: v3.window.min, maxVersion: v3.window.max, features: [...v3.release.reads] };
  const view = fileReference(7);
  const payload = encodeFileReference(view, 3);
  const envelope = encodeEnvelope({ version: 3, type: "file-reference", payload, sender, fallbackText: "Update Status to open this file." });

  const rawDecode = () => {
    const env = RawEnvelope.decode(envelope) as unknown as { payload: Uint8Array };
    sink = RawFileReference.decode(env.payload);
  };
  const readAndNegotiate = (window: { min: number; max: number }, open = openEnvelope) => () => {
    const opened = open(envelope, window);
    const s = opened.envelope.sender;
    sink = chooseWriteVersion(window, peerAudience(s === undefined ? undefined : { min: s.minVersion, max: s.maxVersion }), {
      payload: "file-reference",
    });
  };
  const rawForward = () => {
    const r = protobuf.Reader.create(payload);
    r.discardUnknown = false;
    sink = RawFileReference.encode(RawFileReference.decode(r)).finish();
  };
  const forward = () => {
    sink = decodeForForwarding("file-reference", payload, { written: 3, reader: 2 }).encode();
  };
  const rawEnvelopeMessage = RawEnvelope.decode(envelope) as unknown as Record<string, unknown>;
  const rawFileReferenceMessage = RawFileReference.decode(payload);
  const rawEncode = () => {
    const p = RawFileReference.encode(rawFileReferenceMessage).finish();
    sink = RawEnvelope.encode({ ...rawEnvelopeMessage, payload: p }).finish();
  };
  const encode = () => {
    sink = encodeEnvelope({ version: 3, type: "file-reference", payload: encodeFileReference(view, 3), sender, fallbackText: "Update Status to open this file." });
  };

  // The walk over untrusted bytes before protobufjs decodes them (capped lists; for forwarding,
  // unknown fields too), on the largest reference a peer may send: 1,024 pieces written by
  // version 3 and read by a version 2 node, which sees each piece's index and offset as unknown.
  const bigPayload = encodeFileReference(fileReference(1024), 3);
  const v2FileReference = schemaFor(2)!.type("FileReference") as protobuf.Type;
  const rawBigDecode = () => {
    sink = RawFileReference.decode(bigPayload);
  };
  const readScan = () => {
    checkBeforeDecode(v2FileReference, bigPayload, "FileReference");
  };
  const forwardScan = () => {
    checkBeforeDecode(v2FileReference, bigPayload, "FileReference", MAX_UNKNOWN_FIELDS);
  };

  const main = compare(readAndNegotiate(v3.window), rawDecode);
  const olderReader = compare(readAndNegotiate(v2.window), rawDecode);
  const reflected = compare(readAndNegotiate(v3.window, openEnvelopeReflected), rawDecode);
  const forwarding = compare(forward, rawForward);
  const encoding = compare(encode, rawEncode);
  const scanRead = compare(readScan, rawBigDecode);
  const scanForward = compare(forwardScan, rawBigDecode);
  void sink;

  const rows: Row[] = [
    row(`open + validate + negotiate, ${envelope.length} B FileReference envelope, v3 reader`, main, "raw protobufjs decode", GOAL),
    row("same bytes, v2 reader (v3 fields skipped as unknown)", olderReader, "raw protobufjs decode"),
    row("same as the first row through the reflection path alone (unknown fields dropped)", reflected, "raw protobufjs decode"),
    row(`forward: decode (v2 node) + re-encode, ${payload.length} B FileReference`, forwarding, "raw decode + encode, unknowns kept"),
    row("encode FileReference + envelope (validated)", encoding, "raw encode of both, no checks"),
    row(`pre-decode scan, ${bigPayload.length} B FileReference of 1,024 pieces, v2 reader: capped lists (a read the single pass declines)`, scanRead, "raw protobufjs decode of the same bytes"),
    row("same bytes, pre-decode scan for forwarding: capped lists + unknown fields", scanForward, "raw protobufjs decode of the same bytes"),
  ];
  return [
    markdownTable(rows),
    "",
    `Envelope ${envelope.length} bytes (payload ${payload.length} bytes, ${view.pieces.length} pieces, sender advertising ${sender.features.length} features). ` +
      "Each figure is the median of 12 rounds of 250 ms (each call of the measure warms up for one more), " +
      "measured and floor alternating in blocks of 3 rounds on the same bytes; in brackets, the lowest and " +
      "highest ratio of one block. The floor decodes with protobufjs 8 defaults " +
      "(reflection-generated decoders, unknown fields dropped, nothing checked); the measured path reads the " +
      "envelope and its payload in one pass into the views, converts uint64s to numbers, validates every field " +
      "and decides readability, then picks the reply version with `chooseWriteVersion`.",
  ].join("\n");
}
