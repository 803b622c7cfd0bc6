/** Helpers over views: what a reader should see, and bytes that skip the writer's checks. */
import type protobuf from "protobufjs/light.js";
import { codecContext } from "../../../src/wire/codec-context.js";
import { PAYLOAD_CODECS } from "../../../src/wire/codecs/index.js";
import type { PayloadKind, PayloadViews } from "../../../src/wire/index.js";
import { messageOf } from "../../../src/wire/payload-kinds.js";
import { encodeRaw, type PbObject } from "../../../src/wire/raw-codec.js";
import { schemaFor, type MessageName } from "../../../src/wire/schema-registry.js";

const NESTED: Partial<Record<MessageName, Record<string, MessageName>>> = {
  FileReference: { pieces: "Piece", encryption: "Encryption" },
  Envelope: { sender: "Capabilities" },
};

/**
 * The view a reader at `reader` should see of `view` written at `written`: only the fields both
 * versions have (a field added later or removed since is absent).
 */
export function expectedView<K extends PayloadKind>(kind: K, view: PayloadViews[K], written: number, reader: number): PayloadViews[K] {
  const ctx = codecContext(schemaFor(reader)!, written);
  const restrict = (value: Record<string, unknown>, message: MessageName): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (!ctx.has(message, key)) continue;
      const nested = NESTED[message]?.[key];
      if (nested === undefined) out[key] = v;
      else if (Array.isArray(v)) out[key] = v.map((item) => restrict(item as Record<string, unknown>, nested));
      else out[key] = restrict(v as Record<string, unknown>, nested);
    }
    return out;
  };
  return restrict(view as unknown as Record<string, unknown>, messageOf(kind)) as unknown as PayloadViews[K];
}

/** protobufjs's object for a valid view at `version`, to be broken by a test and encoded unchecked. */
export function pbOf<K extends PayloadKind>(kind: K, view: PayloadViews[K], version: number): PbObject {
  return PAYLOAD_CODECS[kind].toPb(view as never, codecContext(schemaFor(version)!, version));
}

/** Encodes a protobufjs object with `version`'s schema, bypassing every writer check. */
export function encodeUnchecked(message: MessageName, pb: PbObject, version: number): Uint8Array {
  return encodeRaw(schemaFor(version)!.type(message) as protobuf.Type, pb);
}

/** A valid view broken by `change`, encoded without the writer's checks. */
export function brokenBytes<K extends PayloadKind>(
  kind: K,
  view: PayloadViews[K],
  version: number,
  change: (pb: Record<string, any>) => void,
): Uint8Array {
  const pb = pbOf(kind, view, version);
  change(pb);
  return encodeUnchecked(messageOf(kind), pb, version);
}

/** CIDs and feature names travel as bytes in the codec's runtime schema (src/wire/ascii-fields.ts). */
export function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
