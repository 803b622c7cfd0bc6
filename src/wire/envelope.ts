import { describedValue, rangeSlip } from "../errors/index.js";
import { PAYLOAD_CODECS } from "./codecs/index.js";
import { codecContext, type MessageCodec } from "./codec-context.js";
import {
  checkBytesRequired,
  checkCount,
  checkDisplayText,
  checkFeature,
  checkUint,
  FEATURE_NAME_RULE,
  invalidField,
  isFeature,
  isFeatureBytes,
  isUnknownEnumValue,
  missingField,
  notAnObject,
} from "./field-checks.js";
import { MAX_FEATURES, MAX_WAKU_ENVELOPE_BYTES, MAX_WHOLE_ENVELOPE_BYTES, MAX_WRITTEN_ENVELOPE_BYTES } from "./limits.js";
import { asciiBytes, asciiText, knownFeature } from "./ascii-fields.js";
import type { Capabilities, CapabilitiesDraft, Envelope, PayloadKind } from "./messages.js";
import { checkedInput, encodePayload, internalFault, schemaOrThrow, type Payload } from "./payload-codec.js";
import { introducedIn, isPayloadKind, kindOfTypeNumber, minReaderFor, payloadTypeNumber } from "./payload-kinds.js";
import { bytesField, decodeRaw, encodeRaw, type PbObject } from "./raw-codec.js";
import type { VersionSchema } from "./schema-registry.js";
import type protobuf from "protobufjs/light.js";
import { readEnvelope } from "./single-pass/index.js";
import { WireError } from "./wire-error.js";
import { byteCap } from "./byte-cap.js";

const M = "Envelope";
const UINT32 = 0xffff_ffff;

/**
 * What a reader that cannot open an envelope shows when the envelope carries no fallback_text
 * (proto3 cannot require it, and an empty one would leave a blank message), and the text
 * chooseWriteVersion gives without a payload kind (`GENERIC_FALLBACK_TEXT`, its deprecated name).
 */
export const DEFAULT_FALLBACK_TEXT = "Update Status to open this message.";

function textToShow(fallbackText: string): string {
  return fallbackText === "" ? DEFAULT_FALLBACK_TEXT : fallbackText;
}

/** The protocol versions a reader interprets, both ends included (its profile's window). */
export interface ReaderWindow {
  readonly min: number;
  readonly max: number;
}

/**
 * What encodeEnvelope takes: an Envelope whose `minReader` defaults to minReaderFor(type, version),
 * and whose `sender` may hold a readonly feature list (CapabilitiesDraft).
 */
export type EnvelopeDraft = Omit<Envelope, "minReader" | "sender"> & { readonly minReader?: number; readonly sender?: CapabilitiesDraft };

export interface OpenEnvelopeOptions {
  /** A lower cap than MAX_WAKU_ENVELOPE_BYTES (the default). */
  readonly maxBytes?: number;
}

/** A readable envelope and its payload, both validated. */
export interface OpenedEnvelope {
  readonly envelope: Envelope;
  /** Decoded with the reader's own schema (`reader.max`); fields of a newer writer are not in it. */
  readonly payload: Payload;
}

function checkCapabilities(c: CapabilitiesDraft): void {
  checkUint(c.minVersion, 1, UINT32, "Capabilities", "minVersion");
  checkUint(c.maxVersion, c.minVersion, UINT32, "Capabilities", "maxVersion");
  if (!Array.isArray(c.features)) throw invalidField("Capabilities", "features", "must be a list");
  checkCount(c.features.length, 0, MAX_FEATURES, "Capabilities", "features");
  for (let i = 0; i < c.features.length; i++) {
    if (!isFeature(c.features[i])) checkFeature(c.features[i], "Capabilities", `features[${i}]`);
  }
}

function capabilitiesView(pb: PbObject | null | undefined): Capabilities | undefined {
  if (pb === null || pb === undefined) return undefined;
  // Feature names are read as bytes (see ascii-fields.ts), counted before any is converted.
  const raw = pb.features as Uint8Array[];
  checkCount(raw.length, 0, MAX_FEATURES, "Capabilities", "features");
  const features = new Array<string>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const name = raw[i] as Uint8Array;
    const known = knownFeature(name);
    if (known !== undefined) {
      features[i] = known;
      continue;
    }
    if (!isFeatureBytes(name)) {
      throw invalidField("Capabilities", `features[${i}]`, FEATURE_NAME_RULE);
    }
    features[i] = asciiText(name);
  }
  const minVersion = pb.minVersion as number;
  const maxVersion = pb.maxVersion as number;
  checkUint(minVersion, 1, UINT32, "Capabilities", "minVersion");
  checkUint(maxVersion, minVersion, UINT32, "Capabilities", "maxVersion");
  return { minVersion, maxVersion, features };
}

/** The sender writes within its own range. */
function checkSenderWrote(sender: CapabilitiesDraft | undefined, version: number): void {
  if (sender !== undefined && (version < sender.minVersion || version > sender.maxVersion)) {
    throw invalidField(M, "sender", `says the sender writes ${sender.minVersion}..${sender.maxVersion}, but the envelope is version ${version}`);
  }
}

/** minReader within [minReaderFor(kind, version), version]: never promising more readers than can read it. */
function checkMinReader(minReader: number, kind: PayloadKind, version: number): void {
  const lowest = minReaderFor(kind, version);
  if (minReader < lowest || minReader > version) {
    throw invalidField(M, "minReader", `is ${minReader}; a version ${version} ${kind} is readable from ${lowest}, so it must be in [${lowest}, ${version}]`, {
      minReader,
      lowest,
      version,
    });
  }
}

function checkReader(reader: ReaderWindow): void {
  if (
    reader === null ||
    typeof reader !== "object" ||
    !Number.isInteger(reader.min) ||
    !Number.isInteger(reader.max) ||
    reader.min < 1 ||
    reader.min > reader.max
  ) {
    const shown = reader === null || typeof reader !== "object" ? describedValue(reader) : `[${describedValue(reader.min)}, ${describedValue(reader.max)}]`;
    throw new WireError("E_VERSION_UNSUPPORTED", `reader window ${shown}${rangeSlip(reader)} is not a version range (whole numbers, 1 <= min <= max: a profile's window)`, {
      details: { reader },
    });
  }
  schemaOrThrow(reader.max, "reader");
}

/**
 * Encodes an envelope. `minReader` defaults to minReaderFor(type, version) and may be set higher
 * (never lower, never above `version`). The result is at most MAX_WRITTEN_ENVELOPE_BYTES.
 */
export function encodeEnvelope(draft: EnvelopeDraft): Uint8Array {
  return encodeEnvelopeUpTo(draft, MAX_WRITTEN_ENVELOPE_BYTES);
}

/**
 * Encodes a community-description envelope too large for one Waku message (up to
 * MAX_WHOLE_ENVELOPE_BYTES), to be split into Segment envelopes; encodeEnvelope's rules otherwise.
 * Only a description is ever that large: any other kind is E_WIRE_UNKNOWN_TYPE here.
 */
export function encodeWholeEnvelope(draft: EnvelopeDraft): Uint8Array {
  if (draft !== null && typeof draft === "object" && draft.type !== "community-description") {
    throw new WireError("E_WIRE_UNKNOWN_TYPE", `a whole envelope (to be segmented) carries a community-description, not a ${String(draft.type)}`, {
      details: { kind: draft.type },
    });
  }
  return encodeEnvelopeUpTo(draft, MAX_WHOLE_ENVELOPE_BYTES);
}

function encodeEnvelopeUpTo(draft: EnvelopeDraft, cap: number): Uint8Array {
  if (draft === null || typeof draft !== "object") {
    throw notAnObject(M, draft);
  }
  const { version, type: kind } = draft;
  const schema = schemaOrThrow(version, "writer");
  if (!isPayloadKind(kind)) throw new WireError("E_WIRE_UNKNOWN_TYPE", `"${String(kind)}" is not a payload kind`, { details: { kind } });
  const typeNumber = payloadTypeNumber(kind, schema);
  if (typeNumber === undefined) {
    throw new WireError("E_WIRE_UNKNOWN_TYPE", `protocol ${version} has no ${kind} payload (introduced in ${introducedIn(kind)})`, {
      details: { kind, version, since: introducedIn(kind) },
    });
  }
  const minReader = draft.minReader ?? minReaderFor(kind, version);
  checkUint(minReader, 1, UINT32, M, "minReader");
  checkMinReader(minReader, kind, version);
  checkBytesRequired(draft.payload, M, "payload");
  checkDisplayText(draft.fallbackText, M, "fallbackText");
  const sender = draft.sender;
  if (sender !== undefined) {
    if (sender === null || typeof sender !== "object") throw invalidField(M, "sender", "must be a Capabilities object");
    checkCapabilities(sender);
    checkSenderWrote(sender, version);
  }
  const pb: PbObject = {
    version,
    minReader,
    type: typeNumber,
    payload: draft.payload,
    fallbackText: draft.fallbackText,
  };
  if (sender !== undefined) {
    pb.sender = { minVersion: sender.minVersion, maxVersion: sender.maxVersion, features: sender.features.map(asciiBytes) };
  }
  const bytes = encodeRaw(schema.type(M) as protobuf.Type, pb);
  if (bytes.length > cap) {
    const why = cap === MAX_WRITTEN_ENVELOPE_BYTES ? "that leaves room for the Waku message around it; segment the payload or store it on Codex" : "of a whole envelope; store the description on Codex";
    throw new WireError("E_WIRE_TOO_LARGE", `envelope is ${bytes.length} bytes, over the ${cap}-byte cap ${why}`, {
      details: { message: M, bytes: bytes.length, cap },
    });
  }
  return bytes;
}

/** Encodes `payload` with `version`'s schema and wraps it in an envelope of its kind. */
export function encodePayloadEnvelope(payload: Payload, envelope: Omit<EnvelopeDraft, "type" | "payload">): Uint8Array {
  if (payload === null || typeof payload !== "object") throw invalidField(M, "payload", "must be a { kind, message } payload");
  if (envelope === null || typeof envelope !== "object") {
    throw notAnObject(M, envelope);
  }
  const bytes = encodePayload(payload.kind, payload.message as never, envelope.version);
  return encodeEnvelope({ ...envelope, type: payload.kind, payload: bytes });
}

function unsupported(
  reason: "reader-too-old" | "writer-too-old",
  version: number,
  minReader: number,
  reader: ReaderWindow,
  fallbackText: string,
  sender: Capabilities | undefined,
  /** A field whose value this reader's version does not know (a newer enum value), when that is the reason. */
  field?: string,
): WireError {
  const message =
    field !== undefined
      ? `envelope version ${version} holds a ${field} that protocol ${reader.max} does not know; this client reads ${reader.min}..${reader.max}: ` +
        "show its fallback text, and update Status to read it"
      : reason === "reader-too-old"
        ? `envelope version ${version} needs protocol ${minReader} or newer; this client reads ${reader.min}..${reader.max}: ` +
          "show its fallback text, and update Status to read it"
        : `envelope version ${version} is older than this client reads (${reader.min}..${reader.max}): the sender must update Status`;
  const details = { reason, version, minReader, reader: { min: reader.min, max: reader.max }, fallbackText: textToShow(fallbackText), sender };
  return new WireError("E_VERSION_UNSUPPORTED", message, { details: field === undefined ? details : { ...details, field } });
}

/**
 * Opens an envelope from untrusted bytes for a reader whose window is `reader`:
 * size cap first, then decode, validate, and decide readability. Readable when
 * `minReader <= reader.max` and `version >= reader.min`; a newer version inside the window is read
 * with the reader's own schema. Otherwise E_VERSION_UNSUPPORTED, whose details carry `fallbackText`,
 * `version`, `minReader` and the reader's window. A payload type the reader's version does not know
 * is E_WIRE_UNKNOWN_TYPE. Throws only WireError for the bytes (wrong options are the caller's TypeError or RangeError: byte-cap.ts).
 */
export function openEnvelope(bytes: Uint8Array, reader: ReaderWindow, options?: OpenEnvelopeOptions): OpenedEnvelope {
  return openChecked(checkedEnvelope(bytes, reader, options), reader);
}

/**
 * openEnvelope for a whole put back together from Segment envelopes: the cap is
 * MAX_WHOLE_ENVELOPE_BYTES (or the caller's lower `maxBytes`) instead of one Waku message's.
 */
export function openWholeEnvelope(bytes: Uint8Array, reader: ReaderWindow, options?: OpenEnvelopeOptions): OpenedEnvelope {
  return openChecked(checkedEnvelope(bytes, reader, options, "openWholeEnvelope", MAX_WHOLE_ENVELOPE_BYTES), reader);
}

function openChecked(input: Uint8Array, reader: ReaderWindow): OpenedEnvelope {
  const schema = schemaOrThrow(reader.max, "reader");
  let opened: OpenedEnvelope | undefined;
  try {
    // The single pass (src/wire/single-pass) reads a readable, valid envelope; anything else is
    // left to the reflection path, which decides and names the error.
    opened = readEnvelope(input, reader, schema);
  } catch (err) {
    throw internalFault(err, M);
  }
  return opened ?? openReflected(input, reader, schema);
}

/**
 * openEnvelope through protobufjs's reflection decoders only: the reference the single pass is
 * held to (same view, or the same error), and what decides every input the single pass declines.
 */
export function openEnvelopeReflected(bytes: Uint8Array, reader: ReaderWindow, options?: OpenEnvelopeOptions): OpenedEnvelope {
  const input = checkedEnvelope(bytes, reader, options);
  return openReflected(input, reader, schemaOrThrow(reader.max, "reader"));
}

/** The reader window, then the size cap, before anything is decoded. */
function checkedEnvelope(
  bytes: Uint8Array,
  reader: ReaderWindow,
  options: OpenEnvelopeOptions | undefined,
  entry = "openEnvelope",
  cap = MAX_WAKU_ENVELOPE_BYTES,
): Uint8Array {
  checkReader(reader);
  return checkedInput(bytes, byteCap(entry, options, cap), M);
}

function openReflected(input: Uint8Array, reader: ReaderWindow, schema: VersionSchema): OpenedEnvelope {
  // Unknown fields are not kept: a reader does not forward the envelope it opens.
  const pb = decodeRaw(schema.type(M) as protobuf.Type, input, M, false);
  try {
    return openDecoded(pb, reader, schema);
  } catch (err) {
    throw internalFault(err, M);
  }
}

function openDecoded(pb: PbObject, reader: ReaderWindow, schema: VersionSchema): OpenedEnvelope {
  const version = pb.version as number;
  if (version === 0) throw missingField(M, "version");
  const typeNumber = pb.type as number;
  if (typeNumber === 0) throw missingField(M, "type");
  const payloadBytes = bytesField(pb.payload);
  if (payloadBytes.length === 0) throw missingField(M, "payload");
  const fallbackText = pb.fallbackText as string;
  checkDisplayText(fallbackText, M, "fallbackText");
  const sender = capabilitiesView(pb.sender as PbObject | null);
  checkSenderWrote(sender, version);

  const kind = kindOfTypeNumber(typeNumber, schema);
  // min_reader is optional on the wire: unset means "as the protocol rule says" (or the version itself for a type unknown here).
  const rawMinReader = pb.minReader as number;
  const minReader = rawMinReader !== 0 ? rawMinReader : kind !== undefined && version >= introducedIn(kind) ? minReaderFor(kind, version) : version;
  // A min_reader above the version is nonsense whoever reads it (checked before readability).
  if (minReader > version) {
    throw invalidField(M, "minReader", `is ${minReader}, above the envelope's version ${version}`, { minReader, version });
  }
  if (minReader > reader.max) throw unsupported("reader-too-old", version, minReader, reader, fallbackText, sender);
  if (version < reader.min) throw unsupported("writer-too-old", version, minReader, reader, fallbackText, sender);
  if (kind === undefined) {
    throw new WireError("E_WIRE_UNKNOWN_TYPE", `envelope payload type ${typeNumber} is unknown to protocol ${reader.max}`, {
      details: { type: typeNumber, version, minReader, reader: { min: reader.min, max: reader.max }, fallbackText: textToShow(fallbackText) },
    });
  }
  if (version < introducedIn(kind)) {
    throw invalidField(M, "type", `is ${kind}, which version ${version} envelopes cannot carry (introduced in ${introducedIn(kind)})`);
  }
  checkMinReader(minReader, kind, version);

  const envelope: Envelope = { version, minReader, type: kind, payload: payloadBytes, fallbackText };
  if (sender !== undefined) envelope.sender = sender;
  try {
    return { envelope, payload: decodeEnvelopePayload(kind, payloadBytes, schema, version) };
  } catch (err) {
    // A value a later version added to an enum (an encryption scheme): the message is for newer
    // readers whatever min_reader let this one open it, so it gets the fallback text like any
    // envelope this reader is too old for, not "invalid" with nothing to show. From a writer of
    // this reader's version or older, the value is garbage and stays invalid.
    if (version > reader.max && isUnknownEnumValue(err)) {
      throw unsupported("reader-too-old", version, minReader, reader, fallbackText, sender, `${String(err.details.message)}.${String(err.details.field)}`);
    }
    throw err;
  }
}

function decodeEnvelopePayload(
  kind: PayloadKind,
  bytes: Uint8Array,
  schema: VersionSchema,
  written: number,
): Payload {
  const codec = PAYLOAD_CODECS[kind] as MessageCodec<unknown>;
  // Already inside the envelope's cap; an empty payload was refused as missing.
  const pb = decodeRaw(schema.type(codec.message) as protobuf.Type, bytes, codec.message, false);
  return { kind, message: codec.toView(pb, codecContext(schema, written)) } as Payload;
}
