import { CompatError } from "../errors/index.js";

export type WireErrorCode =
  /** The bytes end inside a field (a length or varint runs past the end), or there are no bytes at all. */
  | "E_WIRE_TRUNCATED"
  /** More bytes than the cap for this message (checked before decoding anything). */
  | "E_WIRE_TOO_LARGE"
  /** Not a protobuf message: bad wire type, field number 0, inconsistent nesting, invalid UTF-8. */
  | "E_WIRE_MALFORMED"
  /** The envelope's versions are outside the reader's window; `details.fallbackText` is what to show. */
  | "E_VERSION_UNSUPPORTED"
  /** A payload type the reader's protocol version does not know. */
  | "E_WIRE_UNKNOWN_TYPE"
  /** A well-formed message whose field breaks a rule (missing, wrong length, out of range); `details.field` names it. */
  | "E_WIRE_INVALID_FIELD";

/**
 * The details an app reads (docs/wire.md, Errors), typed so that showing the fallback text needs no
 * cast; every other key stays `unknown`. Each is a string (or the union) wherever it is set.
 */
export type WireErrorDetails = Readonly<Record<string, unknown>> & {
  /** E_VERSION_UNSUPPORTED / E_WIRE_UNKNOWN_TYPE from a reader: the text to show instead of the payload. */
  readonly fallbackText?: string;
  /** E_VERSION_UNSUPPORTED from a reader's window; E_WIRE_INVALID_FIELD from decodePayload for a newer writer's enum value (`reader-too-old`: not broken). */
  readonly reason?: "reader-too-old" | "writer-too-old";
  /** E_WIRE_INVALID_FIELD (`pieces[2].cid`); E_VERSION_UNSUPPORTED for a newer enum value (`FileReference.encryption.scheme`). */
  readonly field?: string;
};

/** The wire layer's one error class: anything decoding untrusted bytes throws is one of these. */
export class WireError extends CompatError<WireErrorCode> {
  readonly layer = "wire" as const;
  // Only the type is narrowed: CompatError sets and freezes the value (declare emits nothing).
  declare readonly details: WireErrorDetails;
}

export function isWireError(value: unknown): value is WireError {
  return value instanceof WireError;
}

// hasErrorCode narrows a wire code to WireError (src/errors cannot import this layer).
declare module "../errors/index.js" {
  interface CompatErrorClasses {
    wire: WireError;
  }
}
