import { ciphertextSize, sealedChunkSize } from "../crypto/index.js";
import { describedValue } from "../errors/index.js";
import {
  decodeFileReference,
  encodeFileReference,
  isWireError,
  MAX_PAYLOAD_BYTES,
  NEWEST_SCHEMA_VERSION,
  OLDEST_SCHEMA_VERSION,
  openEnvelope,
  type FileReference,
} from "../wire/index.js";
import { StorageError } from "./storage-error.js";

/** What fetch accepts: the protobuf bytes a chat message carried (optionally with the version that wrote them), or a decoded view. */
export type ReferenceInput = Uint8Array | FileReference | { readonly bytes: Uint8Array; readonly writtenWith: number };

export interface ResolvedReference {
  readonly view: FileReference;
  /** The bytes to journal: a copy of those received when given bytes (unknown fields kept), else encoded by this profile. */
  readonly bytes: Uint8Array;
}

export function encodeReference(view: FileReference, protocol: number): Uint8Array {
  try {
    return encodeFileReference(view, protocol);
  } catch (cause) {
    // The wire's reason (which field) in the message: the cause is not what an application shows.
    const reason = cause instanceof Error ? `: ${cause.message}` : "";
    throw new StorageError("E_BAD_REFERENCE", `could not encode the file reference for protocol ${protocol}${reason}`, { cause });
  }
}

/**
 * Reads reference bytes as this client's protocol does. Bare bytes do not say which version wrote
 * them: they are read as this version's, and when that fails only on a version 3 position field
 * (a version 2 writer leaves index/offset unset), as the previous version's, whose reader falls
 * back to list order. Both readings can only disagree on those fields; chunk nonces bind every
 * chunk to its position anyway, so list order cannot be abused.
 */
export function decodeReference(input: ReferenceInput, protocol: number): ResolvedReference {
  // A copy: the view's byte fields are views into what is decoded, and both outlive the call (a
  // stream, a re-queued download) while the caller may reuse or wipe its buffer once we return.
  if (input instanceof Uint8Array) {
    const bytes = ownCopy(input);
    return { view: decodeBytes(bytes, [protocol, protocol - 1].filter((v) => v >= 2), protocol), bytes };
  }
  if (isBytesWithVersion(input)) {
    refuseUnknownWriter(input.writtenWith);
    const bytes = ownCopy(input.bytes);
    return { view: decodeBytes(bytes, [input.writtenWith], protocol), bytes };
  }
  refuseOtherForms(input);
  const bytes = encodeReference(input as FileReference, protocol);
  return { view: decodeBytes(bytes, [protocol], protocol), bytes };
}

const FORMS = "a file reference is given as its bytes (a Uint8Array), as { bytes, writtenWith } or as a decoded FileReference view";

/**
 * Input in none of the three forms (an application's JavaScript, or a cast): refused naming what it
 * was and what to pass. Encoded as a view, it failed with "could not encode", the reason only in
 * the cause ("expected an object, got …"; an ArrayBuffer "pieces is required but missing").
 */
function refuseOtherForms(input: unknown): void {
  const inner = typeof input === "object" && input !== null && !Array.isArray(input) && "bytes" in input ? (input as { bytes: unknown }).bytes : undefined;
  const given = inner === undefined ? input : inner;
  const where = inner === undefined ? "" : "{ bytes } with bytes of ";
  let what: string | undefined;
  let advice = "";
  if (typeof given === "string") {
    what = `a string of ${given.length} characters`;
    advice = `; a reference travels as bytes: decode text first (Buffer.from(text, "base64") for the base64 that status-compat file put prints)`;
  } else if (given instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && given instanceof SharedArrayBuffer)) {
    what = "an ArrayBuffer";
    advice = "; wrap it: new Uint8Array(buffer)";
  } else if (Array.isArray(given)) {
    what = `an array of ${given.length} items`;
    advice = "; bytes as numbers become a Uint8Array with Uint8Array.from(array)";
  } else if (given === null || (typeof given !== "object" && typeof given !== "function") || inner !== undefined) {
    what = typeof given === "object" || typeof given === "function" ? (given === null ? "null" : typeof given) : String(given);
  } else if (!("pieces" in given)) {
    // Not a view either: a ShareResult (what share()'s done gives) passed whole, a FetchResult, an
    // object of the application's own. Encoded as a view, it failed "pieces is required but missing".
    const keys = Object.keys(given);
    what = `an object that is no FileReference view (no pieces; its keys: ${keys.length === 0 ? "none" : keys.slice(0, 8).join(", ")})`;
    if ((given as { reference?: unknown }).reference instanceof Uint8Array) advice = "; a ShareResult carries the reference as result.reference (its bytes) and result.view: pass one of those";
  }
  if (what === undefined) return;
  throw new StorageError("E_BAD_REFERENCE", `${FORMS}; it was given ${where}${what}${advice}`, { details: { given: given === null ? "null" : Array.isArray(given) ? "array" : typeof given } });
}

/** { bytes, writtenWith } without a version to read the bytes as: it became NaN ("writer protocol NaN"). */
function refuseUnknownWriter(writtenWith: unknown): void {
  const version = typeof writtenWith === "number" ? writtenWith : typeof writtenWith === "string" && writtenWith.trim() !== "" ? Number(writtenWith) : Number.NaN;
  if (Number.isFinite(version)) return;
  throw new StorageError(
    "E_BAD_REFERENCE",
    `{ bytes, writtenWith }: writtenWith is the protocol version that wrote the bytes, the envelope's version ({ bytes: envelope.payload, writtenWith: envelope.version }); it was ${describedValue(writtenWith)}. Pass the bytes alone when nothing says which version wrote them`,
    { details: { given: typeof writtenWith } },
  );
}

/** A copy of what a reference may be; anything larger is refused by the decoder as it is, never copied first (a hostile 1 GB buffer). */
function ownCopy(bytes: Uint8Array): Uint8Array {
  return bytes.byteLength > MAX_PAYLOAD_BYTES ? bytes : Uint8Array.from(bytes);
}

function isBytesWithVersion(input: unknown): input is { bytes: Uint8Array; writtenWith: number } {
  return typeof input === "object" && input !== null && (input as { bytes?: unknown }).bytes instanceof Uint8Array;
}

function decodeBytes(bytes: Uint8Array, writers: number[], reader: number): FileReference {
  let failure: unknown;
  for (const written of writers) {
    try {
      return whole(decodeFileReference(bytes, { written: Math.min(written, reader), reader }));
    } catch (error) {
      if (error instanceof StorageError) throw error;
      // The last reading tried is the one to report: the previous version's got past the position
      // fields a version 2 writer never sets, so its error names what is really wrong (a cut).
      failure = error;
      const field = isWireError(error) ? String(error.details["field"] ?? "") : "";
      if (!(isWireError(error) && error.code === "E_WIRE_INVALID_FIELD" && /\.(index|offset)$/.test(field))) break;
    }
  }
  const code = isWireError(failure) ? failure.code : "unknown";
  const envelope = envelopeIn(bytes);
  if (envelope !== undefined) {
    // Before the cut's reading: an envelope read as a FileReference often "ends inside a field".
    const what = `these bytes are a whole payload envelope (version ${envelope.version}, payload type ${envelope.type})`;
    const advice =
      envelope.type === "file-reference"
        ? `, not the file reference it carries: pass its payload with its version, { bytes: envelope.payload, writtenWith: envelope.version } (openEnvelope gives both)`
        : ", not a file reference";
    throw new StorageError("E_BAD_REFERENCE", `${what}${advice}`, {
      cause: failure,
      details: { reader, wireCode: code, envelope: { version: envelope.version, type: envelope.type } },
    });
  }
  const cut = cutAt(failure);
  if (cut !== undefined) {
    throw new StorageError("E_BAD_REFERENCE", `the file reference looks cut: it ends ${cut} (${code}). ${COPY_AGAIN}`, {
      cause: failure,
      details: { reader, wireCode: code, cut: true },
    });
  }
  throw new StorageError("E_BAD_REFERENCE", `the file reference cannot be read by protocol ${reader} (${code}): ${(failure as Error)?.message ?? String(failure)}`, {
    cause: failure,
    details: { reader, wireCode: code },
  });
}

/**
 * The envelope `bytes` are, when they are one (opened by any version this build knows): what an
 * app passes when it hands over the chat message's payload whole instead of the envelope's payload.
 * Only asked once the bytes failed to read as a FileReference, so a reference is never taken for one.
 */
function envelopeIn(bytes: Uint8Array): { version: number; type: string } | undefined {
  try {
    const { envelope } = openEnvelope(bytes, { min: OLDEST_SCHEMA_VERSION, max: NEWEST_SCHEMA_VERSION });
    return { version: envelope.version, type: envelope.type };
  } catch {
    return undefined;
  }
}

const COPY_AGAIN = "A reference copied incomplete (from a message or a terminal that shortened it) cannot give the file back: copy the whole reference again";

/** Required FileReference fields that follow the pieces in field order: a paste cut short ends before one of them. */
const AFTER_A_CUT = new Set(["pieces", "encryption", "plaintextSize", "plaintextSha256"]);

/**
 * Where bytes cut short (a paste a chat bubble or a terminal truncated) end, when the wire error
 * is what such a cut gives: inside a field, or before a required top-level field (writers put
 * fields in number order, so every cut before the plaintext hash leaves one out). A cut after it
 * loses only version 3's upload and expiry times, which the file does not need (whole() tells the
 * one cut between them).
 */
function cutAt(error: unknown): string | undefined {
  if (!isWireError(error)) return undefined;
  if (error.code === "E_WIRE_TRUNCATED") return "inside a field";
  const { message, field, missing } = error.details;
  if (error.code === "E_WIRE_INVALID_FIELD" && missing === true && message === "FileReference" && AFTER_A_CUT.has(String(field))) return `before its ${String(field)}`;
  return undefined;
}

/**
 * The view, once its pieces hold every byte its plaintext size encrypts to under the chunk
 * layout. Fewer, in whole sealed chunks, is a reference cut between pieces (a writer that puts them
 * after the other fields; protobuf allows any order): read as it was, status() reported on the
 * pieces left. More, or sizes that do not fit the layout, is planOfReference's to name.
 */
function whole(view: FileReference): FileReference {
  // Every writer sets expires_at with uploaded_at (both from the same upload), so one without the
  // other is bytes cut between them. A cut right after plaintext_sha256 cannot be told apart: it
  // is exactly what a version 3 writer writes for a reference whose times are unknown (a version 2
  // one re-encoded) and, for one piece, what version 2 writes (see docs/storage.md).
  if (view.uploadedAt !== undefined && view.uploadedAt > 0 && !(view.expiresAt !== undefined && view.expiresAt > 0)) {
    throw new StorageError(
      "E_BAD_REFERENCE",
      `the file reference looks cut: it ends before its expiresAt (it has the uploadedAt that is always written with it). ${COPY_AGAIN}`,
      { details: { cut: true } },
    );
  }
  let held = 0;
  for (const piece of view.pieces) held += piece.size;
  let needed: number;
  try {
    needed = ciphertextSize(view.plaintextSize, view.encryption.chunkSize);
  } catch {
    return view;
  }
  // What is left of a cut is pieces that are not the file's last, each of whole sealed chunks;
  // sizes that do not fit the chunk layout are another fault, not a cut.
  const step = sealedChunkSize(view.encryption.chunkSize);
  if (held >= needed || view.pieces.some((piece) => piece.size % step !== 0)) return view;
  throw new StorageError(
    "E_BAD_REFERENCE",
    `the file reference looks cut: its ${view.pieces.length} pieces hold ${held} of the ${needed} bytes its ${view.plaintextSize}-byte file encrypts to. ${COPY_AGAIN}`,
    { details: { pieces: view.pieces.length, sealedBytes: held, expected: needed, cut: true } },
  );
}
