import protobuf from "protobufjs/light.js";
import type { CodecContext, MessageCodec } from "./codec-context.js";
import { PAYLOAD_CODECS, type PayloadViews } from "./codecs/index.js";
import type { PayloadKind } from "./messages.js";
import { decodeMessage, encodeChecked, type DecodeOptions, type ReadAt } from "./payload-codec.js";
import { MAX_UNKNOWN_FIELDS } from "./limits.js";
import type { PbObject } from "./raw-codec.js";
import type { MessageName } from "./schema-registry.js";
import { snapshotView, viewUnchanged } from "./view-snapshot.js";

/**
 * A payload decoded by a node that may be older than its writer, ready to be changed and sent on.
 * `message` holds the fields this node knows; everything else (fields a newer writer added, at any
 * depth) is kept byte for byte and written back by `encode()`, after the known fields of the same
 * message, as protobuf's unknown-field rules require.
 */
export interface Forwardable<K extends PayloadKind> {
  readonly kind: K;
  /** The version the bytes were written with. */
  readonly written: number;
  /** The node's own version: its schema decodes and re-encodes. */
  readonly reader: number;
  /** The known fields; change them in place before `encode()`. */
  readonly message: PayloadViews[K];
  /** How many unknown fields are kept, over the message and every nested one. */
  readonly unknownFields: number;
  /**
   * The message as it is now, plus every unknown field. Unchanged since the decode (compared with a
   * snapshot taken then, whatever the caller did in between), it is the bytes as received, byte for
   * byte (a fresh copy each call): a relay passes on what a newer peer wrote, however it was
   * encoded, and a signature over those bytes still holds. Changed, it is re-encoded: the known
   * fields in field-number order, then the unknown fields of each message. Unknown fields of a
   * nested message stay with that message: a piece's go wherever the piece object now is in the
   * list, and away with it when it was dropped; a piece the node did not decode (one it built, or a
   * copy such as `{ ...piece }`) has none. Change elements in place to keep theirs. Throws WireError
   * E_WIRE_INVALID_FIELD when a change broke a rule.
   */
  encode(): Uint8Array;
}

/**
 * Decodes `bytes` for forwarding (see Forwardable). Throws only WireError; E_WIRE_TOO_LARGE when
 * the message holds more than MAX_UNKNOWN_FIELDS unknown (and repeated) fields, counted before any
 * is kept. Bytes written by a version above the node's own may hold an encryption scheme this
 * version does not know: it is carried (`message.encryption.newerScheme`) and written back as it
 * came, since a node never blocks what a newer peer added; reads refuse it as before.
 */
export function decodeForForwarding<K extends PayloadKind>(
  kind: K,
  bytes: Uint8Array,
  at: number | ReadAt,
  options?: DecodeOptions,
): Forwardable<K> {
  const decoded = decodeMessage(kind, bytes, at, options, MAX_UNKNOWN_FIELDS);
  const { view, pb: original, type, ctx } = decoded;
  const codec = PAYLOAD_CODECS[kind] as MessageCodec<PayloadViews[K]>;
  // Which decoded message each element of a repeated field's view came from: the node may drop or
  // move elements, and an element's unknown fields must go where it goes.
  const origins = new WeakMap<object, PbObject>();
  pairElements(type, original, view as unknown as Record<string, unknown>, origins);
  // The bytes as received (a private copy: the caller may reuse its buffer) and what the view held,
  // so that encode() can tell by itself whether the node changed anything. Re-encoding an unchanged
  // message would put repeated, reordered or padded fields and interleaved unknown ones into
  // canonical order: valid, but not the bytes a signature was made over.
  const snapshot = snapshotView(view, bytes);
  return Object.freeze({
    kind,
    written: ctx.written,
    reader: ctx.schema.version,
    message: view,
    unknownFields: countUnknown(type, original),
    encode(): Uint8Array {
      if (viewUnchanged(view, snapshot)) return snapshot.pristine.slice();
      // The same field mask as the decode: a field this writer's version lacks is not invented on the way.
      const fresh = codec.toPb(view, ctx);
      graftUnknown(type, original, fresh, ctx, view as unknown as Record<string, unknown>, origins);
      return encodeChecked(kind, fresh, type);
    },
  });
}

function unknownOf(pb: PbObject): Uint8Array[] | undefined {
  const u = pb.$unknowns;
  return Array.isArray(u) && u.length > 0 ? u : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object";
}

/**
 * Records, for every element of a repeated message field at any depth, the decoded message it was
 * built from. The codecs build a list's view element by element, in order, under the field's own
 * name; a list whose view does not line up is left out (its elements then carry nothing).
 */
function pairElements(type: protobuf.Type, pb: PbObject, view: Record<string, unknown>, origins: WeakMap<object, PbObject>): void {
  for (const field of type.fieldsArray) {
    const nested = field.resolvedType;
    if (!(nested instanceof protobuf.Type)) continue;
    const a = pb[field.name];
    const v = view[field.name];
    if (field.repeated) {
      if (!Array.isArray(a) || !Array.isArray(v) || a.length !== v.length) continue;
      for (let i = 0; i < a.length; i++) {
        const element = v[i] as unknown;
        if (!isObject(element) || !isObject(a[i])) continue;
        origins.set(element, a[i] as PbObject);
        pairElements(nested, a[i] as PbObject, element, origins);
      }
    } else if (isObject(a) && isObject(v)) {
      pairElements(nested, a as PbObject, v, origins);
    }
  }
}

/**
 * Copies every `$unknowns` of `from` onto the matching message of `to`, recursively, and every
 * field the reader's schema has but the written version lacks (`ctx` leaves it out of the view):
 * a newer writer's field that an older relay kept and sent on under its own version, which this
 * node must pass on as the relay did. An element of a repeated field is matched by identity (the
 * view element `to` was built from, and the decoded message that element came from), never by its
 * position: by position, a node that dropped or reordered pieces sent one piece's unknown fields
 * (a newer writer's per-piece field; a version 3 piece's index and offset through a version 2
 * node) with another.
 */
function graftUnknown(
  type: protobuf.Type,
  from: PbObject,
  to: PbObject,
  ctx: CodecContext,
  view: Record<string, unknown> | undefined,
  origins: WeakMap<object, PbObject>,
): void {
  const unknown = unknownOf(from);
  if (unknown !== undefined) {
    // Non-enumerable, as protobufjs itself keeps it: invisible to spreads and JSON, seen by encode.
    Object.defineProperty(to, "$unknowns", { value: unknown.slice(), enumerable: false, writable: true, configurable: true });
  }
  for (const field of type.fieldsArray) {
    // protobufjs sets only the fields the bytes carry as own properties (defaults sit on the prototype).
    if (!ctx.has(type.name as MessageName, field.name) && Object.hasOwn(from, field.name)) {
      to[field.name] = from[field.name];
      continue;
    }
    const nested = field.resolvedType;
    if (!(nested instanceof protobuf.Type)) continue;
    const a = from[field.name];
    const b = to[field.name];
    const v = view?.[field.name];
    if (field.repeated) {
      // toPb builds the list from the view's, element for element.
      if (!Array.isArray(b) || !Array.isArray(v) || v.length !== b.length) continue;
      for (let j = 0; j < b.length; j++) {
        const element = v[j] as unknown;
        const origin = isObject(element) ? origins.get(element) : undefined;
        if (origin !== undefined && isObject(b[j])) graftUnknown(nested, origin, b[j] as PbObject, ctx, element as Record<string, unknown>, origins);
      }
    } else if (isObject(a) && isObject(b)) {
      graftUnknown(nested, a as PbObject, b as PbObject, ctx, isObject(v) ? v : undefined, origins);
    }
  }
}

function countUnknown(type: protobuf.Type, pb: PbObject): number {
  let n = unknownOf(pb)?.length ?? 0;
  for (const field of type.fieldsArray) {
    const nested = field.resolvedType;
    if (!(nested instanceof protobuf.Type)) continue;
    const value = pb[field.name];
    if (field.repeated && Array.isArray(value)) {
      for (const item of value) n += countUnknown(nested, item as PbObject);
    } else if (value !== null && typeof value === "object") {
      n += countUnknown(nested, value as PbObject);
    }
  }
  return n;
}
