import { describedValue } from "../errors/index.js";
import { codecContext, type CodecContext, type MessageCodec } from "./codec-context.js";
import { PAYLOAD_CODECS, type PayloadViews } from "./codecs/index.js";
import { MAX_COMMUNITY_DESCRIPTION_BYTES, MAX_PAYLOAD_BYTES } from "./limits.js";
import type { PayloadKind } from "./messages.js";
import { introducedIn, isPayloadKind } from "./payload-kinds.js";
import { decodeRaw, encodeRaw, plainBytes, type PbObject } from "./raw-codec.js";
import { NEWEST_SCHEMA_VERSION, OLDEST_SCHEMA_VERSION, schemaFor, type VersionSchema } from "./schema-registry.js";
import { readPayload } from "./single-pass/index.js";
import { WireError } from "./wire-error.js";
import { isUnknownEnumValue, notAnObject } from "./field-checks.js";
import type protobuf from "protobufjs/light.js";
import { byteCap } from "./byte-cap.js";

const UINT32 = 0xffff_ffff;

/**
 * Which versions a read involves: the version the bytes were written with, and the reader's own
 * version (whose schema decodes them). A plain number means both.
 */
export interface ReadAt {
  readonly written: number;
  readonly reader: number;
}

export interface DecodeOptions {
  /** A lower byte cap than the kind's default (MAX_PAYLOAD_BYTES, or MAX_COMMUNITY_DESCRIPTION_BYTES). */
  readonly maxBytes?: number;
}

/** A payload with its kind, as an envelope carries it. */
export type Payload = { [K in PayloadKind]: { readonly kind: K; readonly message: PayloadViews[K] } }[PayloadKind];

/** The byte cap of a kind when nothing lower is asked for. */
export function defaultMaxBytes(kind: PayloadKind): number {
  return kind === "community-description" ? MAX_COMMUNITY_DESCRIPTION_BYTES : MAX_PAYLOAD_BYTES;
}

export function schemaOrThrow(version: number, role: string): VersionSchema {
  // An app's "3" (a setting read as text) would print as the number and read "protocol 3 has no schema (it has 1..3)".
  if (typeof version !== "number") {
    throw new WireError(
      "E_VERSION_UNSUPPORTED",
      `${role} protocol must be a number (a protocol version; this build has ${OLDEST_SCHEMA_VERSION}..${NEWEST_SCHEMA_VERSION}), not ${describedValue(version)}`,
      { details: { version, role, oldest: OLDEST_SCHEMA_VERSION, newest: NEWEST_SCHEMA_VERSION } },
    );
  }
  const schema = Number.isInteger(version) ? schemaFor(version) : undefined;
  if (schema === undefined) {
    throw new WireError(
      "E_VERSION_UNSUPPORTED",
      `${role} protocol ${String(version)} has no schema in this build (it has ${OLDEST_SCHEMA_VERSION}..${NEWEST_SCHEMA_VERSION})`,
      { details: { version, role, oldest: OLDEST_SCHEMA_VERSION, newest: NEWEST_SCHEMA_VERSION } },
    );
  }
  return schema;
}

function kindOrThrow(kind: unknown): PayloadKind {
  if (!isPayloadKind(kind)) {
    throw new WireError("E_WIRE_UNKNOWN_TYPE", `"${String(kind)}" is not a payload kind`, { details: { kind } });
  }
  return kind;
}

function requireKnownAt(kind: PayloadKind, version: number, role: string): void {
  const since = introducedIn(kind);
  if (!Number.isInteger(version) || version < since) {
    throw new WireError("E_WIRE_UNKNOWN_TYPE", `protocol ${String(version)} (${role}) has no ${kind} payload; it was introduced in ${since}`, {
      details: { kind, version, role, since },
    });
  }
}

/** Rejects what is not bytes, or more bytes than the cap, before anything is decoded. */
export function checkedInput(bytes: unknown, cap: number, what: string): Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    // Text is named by its length alone: bytes given as their base64 (a reference's holds its content key).
    const got = typeof bytes === "string" ? `a string of ${bytes.length} characters (base64 text? decode it first)` : describedValue(bytes);
    throw new WireError("E_WIRE_MALFORMED", `${what}: expected bytes (Uint8Array), got ${got}`, {
      details: { message: what, stage: "input" },
    });
  }
  if (bytes.length > cap) {
    throw new WireError("E_WIRE_TOO_LARGE", `${what} is ${bytes.length} bytes, over the ${cap}-byte cap`, {
      details: { message: what, bytes: bytes.length, cap },
    });
  }
  // Every message of this protocol has a required field, so no valid one encodes to nothing.
  if (bytes.length === 0) {
    throw new WireError("E_WIRE_TRUNCATED", `${what} is empty`, { details: { message: what, bytes: 0 } });
  }
  return plainBytes(bytes);
}

function capFor(kind: PayloadKind, options: DecodeOptions | undefined): number {
  return byteCap(`decoding a ${kind}`, options, defaultMaxBytes(kind));
}

/** Anything but a WireError escaping a conversion is a bug here; the caller still gets the wire's error. */
export function internalFault(err: unknown, what: string): WireError {
  if (err instanceof WireError) return err;
  return new WireError("E_WIRE_MALFORMED", `${what} could not be decoded`, {
    cause: err,
    details: { message: what, stage: "internal" },
  });
}

export interface DecodedMessage<V> {
  readonly view: V;
  readonly pb: PbObject;
  readonly type: protobuf.Type;
  readonly ctx: CodecContext;
}

/** A payload read, checked before anything is decoded: kind, versions, then the size cap. */
interface PayloadRead<V> {
  readonly codec: MessageCodec<V>;
  readonly ctx: CodecContext;
  readonly input: Uint8Array;
}

function payloadRead<K extends PayloadKind>(
  kind: K,
  bytes: Uint8Array,
  at: number | ReadAt,
  options: DecodeOptions | undefined,
): PayloadRead<PayloadViews[K]> {
  kindOrThrow(kind);
  // Neither a version nor { written, reader } (undefined, a "3" read from a setting): say what was
  // given, where reading its `reader` said "reader protocol undefined".
  if (typeof at !== "number" && (at === null || typeof at !== "object")) {
    throw new WireError(
      "E_VERSION_UNSUPPORTED",
      `decoding a ${kind}: the version to read at must be a protocol number or { written, reader }, not ${describedValue(at)}`,
      { details: { version: at, role: "reader" } },
    );
  }
  const written = typeof at === "number" ? at : at.written;
  const reader = typeof at === "number" ? at : at.reader;
  const schema = schemaOrThrow(reader, "reader");
  requireKnownAt(kind, reader, "reader");
  // Versions travel as uint32 and start at 1 (0 is proto3's unset). Anything else is no version at
  // all, as a missing or schema-less reader is: E_VERSION_UNSUPPORTED, not "protocol 0 has no
  // segment payload" (E_WIRE_UNKNOWN_TYPE, which it was). Outside uint32 it would also alias
  // another reader's codec context (codecContext keys on reader * 2^32 + written).
  if (!Number.isInteger(written) || written < 1 || written > UINT32) {
    throw new WireError("E_VERSION_UNSUPPORTED", `writer protocol ${describedValue(written)} is not a protocol version (a whole number from 1 to ${UINT32})`, {
      details: { version: written, role: "writer" },
    });
  }
  requireKnownAt(kind, written, "writer");
  const codec = PAYLOAD_CODECS[kind] as MessageCodec<PayloadViews[K]>;
  const input = checkedInput(bytes, capFor(kind, options), codec.message);
  return { codec, ctx: codecContext(schema, written), input };
}

/**
 * `maxUnknown` only to forward, which keeps unknown fields (up to that many): a read has no use for
 * them, each a view protobufjs allocates.
 */
function decodeReflected<V>({ codec, ctx, input }: PayloadRead<V>, maxUnknown?: number): DecodedMessage<V> {
  const type = ctx.schema.type(codec.message) as protobuf.Type;
  const forwarding = maxUnknown !== undefined;
  const pb = decodeRaw(type, input, codec.message, forwarding, maxUnknown);
  try {
    return { view: codec.toView(pb, ctx, { forwarding }), pb, type, ctx };
  } catch (err) {
    throw internalFault(err, codec.message);
  }
}

/**
 * Decodes one payload message, keeping protobufjs's object (with unknown fields) for forwarding;
 * more than `maxUnknown` unknown fields is E_WIRE_TOO_LARGE, found before protobufjs keeps any.
 */
export function decodeMessage<K extends PayloadKind>(
  kind: K,
  bytes: Uint8Array,
  at: number | ReadAt,
  options: DecodeOptions | undefined,
  maxUnknown: number,
): DecodedMessage<PayloadViews[K]> {
  return decodeReflected(payloadRead(kind, bytes, at, options), maxUnknown);
}

/**
 * Decodes a payload of `kind` from untrusted bytes and validates it. `at` is the version it was
 * written with, or `{ written, reader }` to read with the reader's own schema (fields the reader
 * does not know are kept only by decodeForForwarding). Throws only WireError for the bytes (wrong options: byte-cap.ts).
 */
export function decodePayload<K extends PayloadKind>(
  kind: K,
  bytes: Uint8Array,
  at: number | ReadAt,
  options?: DecodeOptions,
): PayloadViews[K] {
  const read = payloadRead(kind, bytes, at, options);
  let view: PayloadViews[K] | undefined;
  try {
    // The single pass (src/wire/single-pass) reads a valid payload; anything else is left to the
    // reflection path, which decides and names the error.
    view = readPayload(kind, read.input, read.ctx);
  } catch (err) {
    throw internalFault(err, read.codec.message);
  }
  return view ?? readReflected(read);
}

/**
 * decodeReflected for a read (not a forward): a newer writer's enum value (an encryption scheme a
 * later version added) keeps its code, E_WIRE_INVALID_FIELD (docs/wire.md's contract for payloads
 * read alone), and gains details.reason "reader-too-old", written and reader, so an app that reads
 * payloads alone can tell "for newer readers" from broken, as openEnvelope's E_VERSION_UNSUPPORTED
 * does; from the reader's own version or older the value is broken and has no reason.
 */
function readReflected<V>(read: PayloadRead<V>): V {
  try {
    return decodeReflected(read).view;
  } catch (err) {
    const { written, schema } = read.ctx;
    if (!isUnknownEnumValue(err) || written <= schema.version) throw err;
    throw new WireError(
      "E_WIRE_INVALID_FIELD",
      `${err.message}; written by protocol ${written}, newer than this reader (${schema.version}): the message is for newer readers, not broken`,
      { details: { ...err.details, reason: "reader-too-old", written, reader: schema.version } },
    );
  }
}

/** decodePayload through protobufjs's reflection decoders only: the reference the single pass is held to. */
export function decodePayloadReflected<K extends PayloadKind>(
  kind: K,
  bytes: Uint8Array,
  at: number | ReadAt,
  options?: DecodeOptions,
): PayloadViews[K] {
  return readReflected(payloadRead(kind, bytes, at, options));
}

/** Encodes a payload with version `version`'s schema: fields that version lacks are not written. */
export function encodePayload<K extends PayloadKind>(kind: K, message: PayloadViews[K], version: number): Uint8Array {
  kindOrThrow(kind);
  const schema = schemaOrThrow(version, "writer");
  requireKnownAt(kind, version, "writer");
  const codec = PAYLOAD_CODECS[kind] as MessageCodec<PayloadViews[K]>;
  if (message === null || typeof message !== "object") {
    throw notAnObject(codec.message, message);
  }
  return encodeChecked(kind, codec.toPb(message, codecContext(schema, version)), schema.type(codec.message) as protobuf.Type);
}

/** Encodes a protobufjs object, holding the writer to the same cap readers apply. */
export function encodeChecked(kind: PayloadKind, pb: PbObject, type: protobuf.Type): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = encodeRaw(type, pb);
  } catch (err) {
    throw new WireError("E_WIRE_INVALID_FIELD", `${type.name} could not be encoded: ${(err as Error).message}`, {
      cause: err,
      details: { message: type.name, field: "" },
    });
  }
  const cap = defaultMaxBytes(kind);
  if (bytes.length > cap) {
    throw new WireError("E_WIRE_TOO_LARGE", `${type.name} encodes to ${bytes.length} bytes, over the ${cap}-byte cap`, {
      details: { message: type.name, bytes: bytes.length, cap },
    });
  }
  return bytes;
}
