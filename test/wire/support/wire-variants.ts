/**
 * Other encodings of the same message, all of which protobuf (and protobufjs) must read alike:
 * fields in another order (same-numbered fields keep their order), unknown fields of every plain
 * wire type inserted anywhere, an earlier occurrence of a scalar field that the real one then
 * overrides, and varints padded with continuation bytes. Nested messages are varied too. Used to
 * hold the single-pass readers to the reflection path on more than canonical bytes.
 */
import fc from "fast-check";
import { READ_FIELDS, type ReadField } from "../../../src/wire/single-pass/fields.js";
import type { MessageName } from "../../../src/wire/schema-registry.js";
import { prng } from "./prng.js";

interface RawField {
  readonly number: number;
  readonly wireType: number;
  /** The field's content: a varint's value bytes, a delimited field's payload, or fixed bytes. */
  readonly content: Uint8Array;
}

class NotCanonical extends Error {}

function readVarint(bytes: Uint8Array, pos: number): [value: bigint, next: number] {
  let value = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= bytes.length || shift > 63n) throw new NotCanonical();
    const b = bytes[pos++] as number;
    value |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [value, pos];
    shift += 7n;
  }
}

function varint(value: bigint, padTo = 0): number[] {
  const out: number[] = [];
  let v = value;
  do {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  } while (v > 0n);
  // Padding: continuation bytes carrying zeros, as long as a reader allows (10 bytes for a 64-bit varint).
  while (out.length < padTo) out.push(0x80);
  out[out.length - 1]! &= 0x7f;
  return out;
}

/** The top-level fields of well-formed protobuf bytes without groups (this protocol has none); throws NotCanonical otherwise. */
export function splitFields(bytes: Uint8Array): RawField[] {
  const fields: RawField[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const [tag, afterTag] = readVarint(bytes, pos);
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    let start = afterTag;
    let end: number;
    if (wireType === 0) end = readVarint(bytes, start)[1];
    else if (wireType === 2) {
      const [length, afterLength] = readVarint(bytes, start);
      start = afterLength;
      end = start + Number(length);
    } else if (wireType === 1) end = start + 8;
    else if (wireType === 5) end = start + 4;
    else throw new NotCanonical();
    if (number === 0 || end > bytes.length) throw new NotCanonical();
    fields.push({ number, wireType, content: bytes.subarray(start, end) });
    pos = end;
  }
  return fields;
}

function emit(field: RawField, varintPad = 0): number[] {
  const tag = varint(BigInt(field.number * 8 + field.wireType));
  if (field.wireType === 0) return [...tag, ...varint(readVarint(field.content, 0)[0] & (2n ** 64n - 1n), varintPad)];
  if (field.wireType === 2) return [...tag, ...varint(BigInt(field.content.length)), ...field.content];
  return [...tag, ...field.content];
}

export type Rand = { int(n: number): number };

function messageTypeOf(message: MessageName, number: number): { nested?: MessageName; repeated: boolean; type: string } | undefined {
  for (const [, [n, type, repeated]] of Object.entries(READ_FIELDS[message])) {
    if (n !== number) continue;
    const nested = Object.hasOwn(READ_FIELDS, type) ? (type as MessageName) : undefined;
    return { nested, repeated: repeated === "repeated", type };
  }
  return undefined;
}

/** A random unknown field (numbers above every known one) of wire type 0, 1, 2 or 5. */
function unknownField(rand: Rand): RawField {
  const number = 20 + rand.int(2000);
  const wireType = [0, 1, 2, 5][rand.int(4)] as number;
  const length = wireType === 1 ? 8 : wireType === 5 ? 4 : wireType === 2 ? rand.int(12) : 0;
  const content = Uint8Array.from({ length }, () => rand.int(256));
  return { number, wireType, content: wireType === 0 ? Uint8Array.from(varint(BigInt(rand.int(2 ** 30)) * BigInt(1 + rand.int(1000)))) : content };
}

/** An earlier, overridden occurrence of a scalar field: well formed for its type, any value. */
function decoy(field: RawField, type: string, rand: Rand): RawField | undefined {
  if (field.wireType === 0) return { ...field, content: Uint8Array.from(varint(BigInt(rand.int(2 ** 31)))) };
  if (type === "bytes") return { ...field, content: Uint8Array.from({ length: rand.int(40) }, () => rand.int(256)) };
  if (type === "string") return { ...field, content: new TextEncoder().encode("decoy é ✓".slice(0, rand.int(10))) };
  return undefined;
}

/** One variant of `bytes`, a canonical encoding of `message`. */
export function variant(message: MessageName, bytes: Uint8Array, rand: Rand): Uint8Array {
  let split: RawField[];
  try {
    split = splitFields(bytes);
  } catch (err) {
    if (err instanceof NotCanonical) return bytes;
    throw err;
  }
  const fields = split.map((f) => {
    const info = messageTypeOf(message, f.number);
    if (info?.nested !== undefined && f.wireType === 2) return { ...f, content: variant(info.nested, f.content, rand) };
    return f;
  });
  // Shuffle, keeping the order of fields with the same number (a repeated field's order matters).
  const queues = new Map<number, RawField[]>();
  for (const f of fields) queues.set(f.number, [...(queues.get(f.number) ?? []), f]);
  const order = fields.map((f) => f.number);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rand.int(i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const out: number[] = [];
  for (const number of order) {
    const field = (queues.get(number) as RawField[]).shift() as RawField;
    const info = messageTypeOf(message, number);
    if (rand.int(4) === 0) out.push(...emit(unknownField(rand)));
    if (info !== undefined && info.nested === undefined && !info.repeated && rand.int(3) === 0) {
      const early = decoy(field, info.type, rand);
      if (early !== undefined) out.push(...emit(early));
    }
    // A varint padded to at most 10 bytes, which protobufjs reads for uint32 and uint64 alike.
    const pad = field.wireType === 0 && rand.int(3) === 0 ? 1 + rand.int(10) : 0;
    out.push(...emit(field, pad));
  }
  if (rand.int(3) === 0) out.push(...emit(unknownField(rand)));
  return Uint8Array.from(out);
}

/** A seed for `variant`'s choices (fast-check prints it with a failing case). */
export const variantSeed: fc.Arbitrary<number> = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** `variant`'s randomness from a seed (the fuzzer's mulberry32, so a seed means the same variant everywhere). */
export function randomFrom(seed: number): Rand {
  const next = prng(seed);
  return { int: (n: number) => Math.floor(next() * n) };
}

/** The message an envelope's payload holds, by its `type` (the same numbers in every version). */
const PAYLOAD_MESSAGES: Readonly<Record<number, MessageName>> = {
  1: "SignedCommunityDescription",
  2: "Segment",
  3: "InlineAttachment",
  4: "FileReference",
  5: "CommunityDescriptionPointer",
};

/** Values at the edges of the rules: zero, small positions, caps and one past, 2^31, 2^32, 2^53, 2^64 - 1. */
const EDGE_VALUES: readonly bigint[] = [
  0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 63n, 64n, 65n, 255n, 256n, 257n, 1023n, 1024n, 1025n,
  4_194_304n, 4_194_305n, 16_777_216n, 16_777_217n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n,
  2n ** 52n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n,
];
const EDGE_LENGTHS: readonly number[] = [0, 1, 6, 7, 8, 31, 32, 33, 64, 65, 66, 127, 128, 129];
const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const FEATURE_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789._-";
const ODD_TEXTS = ["a/b", "..", ".", "x\u202ey", "\u0007", "text/plain; a=b", "ok", "é"];

function edgeVarint(rand: Rand): Uint8Array {
  const value =
    rand.int(4) === 0 ? BigInt(rand.int(2 ** 31)) * BigInt(1 + rand.int(2 ** 22)) : (EDGE_VALUES[rand.int(EDGE_VALUES.length)] as bigint);
  return Uint8Array.from(varint(value & (2n ** 64n - 1n)));
}

/** Content for a delimited field: random, CID-like, feature-like or text-like, at an edge length. */
function edgeContent(rand: Rand): Uint8Array {
  const length = EDGE_LENGTHS[rand.int(EDGE_LENGTHS.length)] as number;
  const pick = (chars: string) => chars.charCodeAt(rand.int(chars.length));
  switch (rand.int(4)) {
    case 0:
      return Uint8Array.from({ length }, (_, i) => (i === 0 ? 0x7a : pick(BASE58)));
    case 1:
      return Uint8Array.from({ length }, () => pick(FEATURE_CHARS));
    case 2:
      return new TextEncoder().encode((ODD_TEXTS[rand.int(ODD_TEXTS.length)] as string).repeat(1 + rand.int(100)));
    default:
      return Uint8Array.from({ length }, () => rand.int(256));
  }
}

function edgeField(number: number, wireType: number, rand: Rand): RawField {
  if (wireType === 0) return { number, wireType, content: edgeVarint(rand) };
  if (wireType === 2) return { number, wireType, content: edgeContent(rand) };
  return { number, wireType, content: Uint8Array.from({ length: wireType === 1 ? 8 : 4 }, () => rand.int(256)) };
}

function wireTypeOf(type: string): number {
  return ["uint32", "uint64", "PayloadType", "EncryptionScheme"].includes(type) ? 0 : 2;
}

/** A message split into fields, with its nested messages split too (an envelope's payload by its type). */
interface Node {
  readonly message: MessageName;
  readonly fields: RawField[];
  readonly children: Map<number, Node>;
}

function tree(message: MessageName, bytes: Uint8Array): Node | undefined {
  let fields: RawField[];
  try {
    fields = splitFields(bytes);
  } catch (err) {
    if (err instanceof NotCanonical) return undefined;
    throw err;
  }
  const children = new Map<number, Node>();
  const typeField = fields.find((f) => f.number === 3 && f.wireType === 0);
  fields.forEach((field, i) => {
    if (field.wireType !== 2) return;
    const nested =
      messageTypeOf(message, field.number)?.nested ??
      (message === "Envelope" && field.number === 4 && typeField !== undefined ? PAYLOAD_MESSAGES[Number(readVarint(typeField.content, 0)[0])] : undefined);
    const child = nested === undefined ? undefined : tree(nested, field.content);
    if (child !== undefined) children.set(i, child);
  });
  return { message, fields, children };
}

function serialize(node: Node): Uint8Array {
  return Uint8Array.from(
    node.fields.flatMap((f, i) => {
      const child = node.children.get(i);
      return emit(child === undefined ? f : { ...f, content: serialize(child) });
    }),
  );
}

function nodesOf(node: Node): Node[] {
  return [node, ...[...node.children.values()].flatMap(nodesOf)];
}

function varintValues(node: Node): bigint[] {
  return node.fields.filter((f) => f.wireType === 0).map((f) => readVarint(f.content, 0)[0]);
}

/** A varint near the rules' edges: an edge value, the old value plus or minus one, or another field's value (clock == supersedes clock, index == position). */
function nearbyVarint(old: bigint | undefined, siblings: readonly bigint[], rand: Rand): Uint8Array {
  const mask = 2n ** 64n - 1n;
  switch (rand.int(4)) {
    case 0:
      if (old !== undefined) return Uint8Array.from(varint((old + (rand.int(2) === 0 ? 1n : mask)) & mask));
      break;
    case 1:
      if (siblings.length > 0) return Uint8Array.from(varint((siblings[rand.int(siblings.length)] as bigint) + BigInt(rand.int(3)) - 1n & mask));
      break;
  }
  return edgeVarint(rand);
}

/**
 * One field-level change at any depth (the field picked evenly over the whole message tree): a
 * field removed, repeated (a message field twice, which protobufjs merges), given a value near the
 * rules' edges, given another wire type, or added (fields some versions lack included). Well-formed
 * input stays well formed, so rules, not structure, decide: this is what holds the two decoders'
 * rules to each other.
 */
export function fieldMutation(message: MessageName, bytes: Uint8Array, rand: Rand): Uint8Array {
  const root = tree(message, bytes);
  if (root === undefined) return bytes;
  const nodes = nodesOf(root);
  const slots = nodes.flatMap((node) => [...node.fields.map((_, i) => ({ node, i })), { node, i: -1 }]);
  const { node, i } = slots[rand.int(slots.length)] as { node: Node; i: number };
  const siblings = varintValues(node);
  if (i < 0) {
    const known = Object.values(READ_FIELDS[node.message]);
    const [number, type] = known[rand.int(known.length)] as ReadField;
    const wireType = wireTypeOf(type);
    const content = wireType === 0 ? nearbyVarint(undefined, siblings, rand) : edgeContent(rand);
    const at = rand.int(node.fields.length + 1);
    node.fields.splice(at, 0, { number, wireType, content });
    shiftChildren(node, at, 1);
    return serialize(root);
  }
  const field = node.fields[i] as RawField;
  switch (rand.int(5)) {
    case 0:
      node.fields.splice(i, 1);
      node.children.delete(i);
      shiftChildren(node, i, -1);
      break;
    case 1: {
      // A copy, kept as the original bytes (a nested message repeated whole).
      const at = rand.int(node.fields.length + 1);
      const child = node.children.get(i);
      node.fields.splice(at, 0, child === undefined ? field : { ...field, content: serialize(child) });
      shiftChildren(node, at, 1);
      break;
    }
    case 2:
    case 3:
      node.children.delete(i);
      node.fields[i] = field.wireType === 0 ? { ...field, content: nearbyVarint(readVarint(field.content, 0)[0], siblings, rand) } : edgeField(field.number, field.wireType, rand);
      break;
    default:
      node.children.delete(i);
      node.fields[i] = edgeField(field.number, [0, 1, 2, 5][rand.int(4)] as number, rand);
  }
  return serialize(root);
}

/** Renumbers the nested messages of `node` after one field was inserted (`by` 1) or removed (`by` -1) at `from`. */
function shiftChildren(node: Node, from: number, by: 1 | -1): void {
  // Highest first when moving up, lowest first when moving down, so no two ever share an index.
  const moved = [...node.children].sort(([a], [b]) => (by > 0 ? b - a : a - b));
  for (const [index, child] of moved) {
    if (index < from) continue;
    node.children.delete(index);
    node.children.set(index + by, child);
  }
}
