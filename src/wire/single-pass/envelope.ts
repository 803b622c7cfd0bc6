import { knownFeatureAt } from "../ascii-fields.js";
import { codecContext } from "../codec-context.js";
import type { OpenedEnvelope, ReaderWindow } from "../envelope.js";
import { isDisplayText, isFeatureAt } from "../field-checks.js";
import { MAX_FEATURES } from "../limits.js";
import type { Capabilities, Envelope } from "../messages.js";
import type { Payload } from "../payload-codec.js";
import { introducedIn, kindOfTypeNumber, minReaderFor } from "../payload-kinds.js";
import type { VersionSchema } from "../schema-registry.js";
import { readPayloadAt } from "./payload.js";
import { WireReader } from "./wire-reader.js";

/** Sender capabilities, validated as envelope.ts's capabilitiesView does, or undefined. */
function readCapabilities(r: WireReader, end: number): Capabilities | undefined {
  let minVersion = 0;
  let maxVersion = 0;
  const features: string[] = [];
  let seen = 0; // the singular fields that came already (WireReader.once)
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case 0x08:
        seen = r.once(seen, tag);
        minVersion = r.uint32(end);
        break;
      case 0x10:
        seen = r.once(seen, tag);
        maxVersion = r.uint32(end);
        break;
      case 0x1a: {
        if (features.length === MAX_FEATURES) return undefined;
        const nameEnd = r.delimitedEnd(end);
        const start = r.pos;
        r.pos = nameEnd;
        // Checked where it lies; a known name is the one shared string, any other is made once valid.
        const name = knownFeatureAt(r.buf, start, nameEnd) ?? (isFeatureAt(r.buf, start, nameEnd) ? r.asciiAt(start, nameEnd) : undefined);
        if (name === undefined) return undefined;
        features.push(name);
        break;
      }
      default:
        r.skip(tag, end);
    }
  }
  if (r.failed || minVersion < 1 || maxVersion < minVersion) return undefined;
  return { minVersion, maxVersion, features };
}

/**
 * openEnvelope's single pass over already capped, plain `input`: the envelope, its readability for
 * `reader`, and its payload read with `schema` (the reader's own), or undefined when the input is
 * anything but a readable, valid envelope (the reflection path then decides and names the error).
 */
export function readEnvelope(input: Uint8Array, reader: ReaderWindow, schema: VersionSchema): OpenedEnvelope | undefined {
  const r = new WireReader(input);
  const end = input.length;
  let version = 0;
  let rawMinReader = 0;
  let typeNumber = 0;
  let payloadStart = 0;
  let payloadEnd = 0;
  let fallbackText = "";
  let sender: Capabilities | undefined;
  let seen = 0; // the singular fields that came already (WireReader.once)
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case 0x08:
        seen = r.once(seen, tag);
        version = r.uint32(end);
        break;
      case 0x10:
        seen = r.once(seen, tag);
        rawMinReader = r.uint32(end);
        break;
      case 0x18:
        seen = r.once(seen, tag);
        typeNumber = r.uint32(end) | 0; // an enum is an int32
        break;
      case 0x22:
        seen = r.once(seen, tag);
        // Read in place below, as the reflection path reads the payload's bytes on their own.
        payloadEnd = r.delimitedEnd(end);
        payloadStart = r.pos;
        r.pos = payloadEnd;
        break;
      case 0x2a:
        // protobufjs merges a repeated message field into the first; that is left to it.
        if (sender !== undefined) return undefined;
        sender = readCapabilities(r, r.delimitedEnd(end));
        if (sender === undefined) return undefined;
        break;
      case 0x32:
        seen = r.once(seen, tag);
        fallbackText = r.string(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  if (r.failed || version === 0 || typeNumber === 0 || payloadEnd <= payloadStart || !isDisplayText(fallbackText)) return undefined;
  if (sender !== undefined && (version < sender.minVersion || version > sender.maxVersion)) return undefined;
  const kind = kindOfTypeNumber(typeNumber, schema);
  if (kind === undefined || version < introducedIn(kind)) return undefined;
  // The readability rule and min_reader's bounds, as envelope.ts's openDecoded applies them.
  const lowest = minReaderFor(kind, version);
  const minReader = rawMinReader !== 0 ? rawMinReader : lowest;
  if (minReader < lowest || minReader > version || minReader > reader.max || version < reader.min) return undefined;

  r.pos = payloadStart;
  // The reflection path scans the payload on its own bytes, so its fields are counted on their own.
  r.repeated = 0;
  const message = readPayloadAt(kind, r, payloadEnd, codecContext(schema, version));
  if (message === undefined) return undefined;
  const envelope: Envelope = { version, minReader, type: kind, payload: input.subarray(payloadStart, payloadEnd), fallbackText };
  if (sender !== undefined) envelope.sender = sender;
  return { envelope, payload: { kind, message } as Payload };
}
