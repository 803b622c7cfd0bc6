import protobuf from "protobufjs/light.js";
import { checkBeforeDecode } from "./pre-decode-scan.js";
import { WireError } from "./wire-error.js";
import { structureFault } from "./wire-structure.js";

/** A message as protobufjs holds it: fields by camelCase name, unknown fields in `$unknowns`. */
export type PbObject = Record<string, unknown> & { $unknowns?: Uint8Array[] };

/** Plain Uint8Array views, so decoded bytes fields are never Node Buffers (they compare and copy alike). */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes, keeping unknown fields unless `keepUnknown` is false (`discardUnknown = false` on this
 * reader only, never the global default). protobufjs keeps each as its own array view, about 60
 * times the two bytes a field can take, so a read that does not forward them passes false, and a
 * forward passes `maxUnknown`: more unknown fields than that is E_WIRE_TOO_LARGE before any is kept.
 * Bytes fields are views into `bytes`, not copies: protobufjs never allocates by a length prefix,
 * so a huge claimed length is truncation, not an allocation.
 */
export function decodeRaw(type: protobuf.Type, bytes: Uint8Array, what: string, keepUnknown = true, maxUnknown?: number): PbObject {
  // Before protobufjs builds every entry of a list far over its cap, or every unknown field.
  checkBeforeDecode(type, bytes, what, keepUnknown ? maxUnknown : undefined);
  const reader = new protobuf.Reader(bytes);
  reader.discardUnknown = !keepUnknown;
  try {
    return type.decode(reader) as unknown as PbObject;
  } catch (err) {
    const fault = structureFault(bytes);
    if (fault.kind === "truncated") {
      throw new WireError("E_WIRE_TRUNCATED", `${what} is truncated: a field runs past the end of its ${bytes.length} bytes`, {
        cause: err,
        details: { message: what, bytes: bytes.length },
      });
    }
    // Node's TextDecoder (fatal) names bad UTF-8 by this code: a complete field whose text is broken.
    const why = fault.why ?? (errorCode(err) === "ERR_ENCODING_INVALID_ENCODED_DATA" ? "a text field is not valid UTF-8" : undefined);
    throw new WireError("E_WIRE_MALFORMED", `${what} is not a valid protobuf message (${bytes.length} bytes)${why === undefined ? "" : `: ${why}`}`, {
      cause: err,
      details: { message: what, bytes: bytes.length, stage: "structure" },
    });
  }
}

function errorCode(err: unknown): unknown {
  return err !== null && typeof err === "object" ? (err as { code?: unknown }).code : undefined;
}

export function encodeRaw(type: protobuf.Type, message: PbObject): Uint8Array {
  return type.encode(message, new protobuf.Writer()).finish();
}

/** A decoded bytes field: protobufjs leaves an absent one as its default, a plain empty Array. */
export function bytesField(value: unknown): Uint8Array {
  return value instanceof Uint8Array ? value : new Uint8Array(0);
}
