/**
 * The field rules shared by every message, in both directions: readers apply them to untrusted
 * bytes, writers to what they are about to send, so nothing written here is refused by a reader.
 * Errors name the message and the field; they report lengths, never the bytes themselves.
 */
import { describedValue } from "../errors/index.js";
import { isCidBytes, isCidSyntax } from "./cid-syntax.js";
import { saneFileNameProblem } from "./file-name.js";
import {
  MAX_CID_CHARS,
  MAX_FALLBACK_TEXT_BYTES,
  MAX_FEATURE_BYTES,
  MAX_MIME_BYTES,
  MIN_CID_CHARS,
} from "./limits.js";
import { isHighSurrogate, isLowSurrogate, utf8Length } from "./utf8-length.js";
import { WireError } from "./wire-error.js";

/**
 * What a caller gave where a message (a view, an envelope's fields) belongs. A string is named by
 * its length alone: it is most often the view's JSON text, content key and all, and the message
 * ends up in the app's logs.
 */
export function notAnObject(message: string, value: unknown): WireError {
  const got = typeof value === "string" ? `a string of ${value.length} characters (JSON text? parse it first)` : describedValue(value);
  return new WireError("E_WIRE_INVALID_FIELD", `${message}: expected an object, got ${got}`, { details: { message, field: "" } });
}

export function invalidField(message: string, field: string, problem: string, details: Record<string, unknown> = {}): WireError {
  return new WireError("E_WIRE_INVALID_FIELD", `${message}.${field} ${problem}`, {
    details: { message, field, ...details },
  });
}

/**
 * A value this version's enum does not name (an encryption scheme a later version added). proto3
 * enums are open: from a newer writer it means "too new for this reader", which openEnvelope reports
 * as such (isUnknownEnumValue), not as a broken message.
 */
export function unknownEnumValue(message: string, field: string, problem: string, details: Record<string, unknown> = {}): WireError {
  return invalidField(message, field, problem, { ...details, unknownEnumValue: true });
}

export function isUnknownEnumValue(err: unknown): err is WireError {
  return err instanceof WireError && err.code === "E_WIRE_INVALID_FIELD" && err.details.unknownEnumValue === true;
}

/**
 * A required field that is absent, or, `as` given, 0 or empty: proto3 writes neither, so a reader
 * sees it missing, and a writer that set `size: 0` or `pieces: []` is told what it did.
 */
export function missingField(message: string, field: string, as?: "0" | "empty"): WireError {
  const what = as === undefined ? "" : as === "0" ? " or 0 (proto3 cannot tell them apart;" : " or empty (";
  const why = as === undefined ? " (readers reject the message without it)" : `${what} readers reject the message without it)`;
  return invalidField(message, field, `is required but missing${why}`, { missing: true });
}

/** A caller's value where bytes belong, by its type alone: a string there may be key material. */
function notBytes(value: unknown): string {
  return `must be bytes (a Uint8Array), not ${typeof value === "string" ? "a string" : describedValue(value)}`;
}

/** Allocation-free predicates for hot loops; the check* functions below name the field when these say no. */
export function isBytesOf(value: unknown, length: number): boolean {
  return value instanceof Uint8Array && value.length === length;
}

export function isUintIn(value: unknown, min: number, max: number): boolean {
  return typeof value === "number" && value >= min && value <= max && Number.isInteger(value);
}

/** Bytes with an exact length (keys, hashes, signatures). Empty counts as missing. */
export function checkBytesExact(value: unknown, length: number, message: string, field: string): void {
  if (value instanceof Uint8Array && value.length === length) return;
  if (!(value instanceof Uint8Array)) throw invalidField(message, field, notBytes(value));
  if (value.length === 0) throw missingField(message, field, "empty");
  throw invalidField(message, field, `must be exactly ${length} bytes, got ${value.length}`, {
    expected: length,
    actual: value.length,
  });
}

/** Non-empty bytes (a required bytes field). */
export function checkBytesRequired(value: unknown, message: string, field: string): void {
  if (value instanceof Uint8Array && value.length > 0) return;
  if (!(value instanceof Uint8Array)) throw invalidField(message, field, notBytes(value));
  throw missingField(message, field, "empty");
}

/** Optional bytes: empty is fine. */
export function checkBytesOptional(value: unknown, message: string, field: string): void {
  if (!(value instanceof Uint8Array)) throw invalidField(message, field, notBytes(value));
}

/** An integer in [min, max]; a required field whose zero means "unset" passes min = 1. */
export function checkUint(value: unknown, min: number, max: number, message: string, field: string): void {
  if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) return;
  if (value === 0 && min === 1) throw missingField(message, field, "0");
  throw invalidField(message, field, `must be an integer in [${min}, ${max}], got ${describedValue(value)}`, {
    min,
    max,
  });
}

const BASE58_CHARS = `${MIN_CID_CHARS}-${MAX_CID_CHARS}`;

/** A Codex CID as text: base58btc multibase ("z..."), bounded length. Empty counts as missing when required. */
export function checkCid(value: unknown, required: boolean, message: string, field: string): void {
  if (typeof value !== "string") throw invalidField(message, field, `must be a string, not ${describedValue(value)}`);
  if (value.length === 0) {
    if (required) throw missingField(message, field, "empty");
    return;
  }
  if (!isCidSyntax(value)) {
    throw invalidField(message, field, `must be a base58btc CID ("z..." with ${BASE58_CHARS} characters), got ${value.length} characters`, {
      length: value.length,
    });
  }
}

/** checkCid on a CID's encoded bytes (as the codec reads it); the error reports the length only. */
export function checkCidBytes(value: Uint8Array, required: boolean, message: string, field: string): void {
  if (value.length === 0) {
    if (required) throw missingField(message, field, "empty");
    return;
  }
  if (!isCidBytes(value)) {
    throw invalidField(message, field, `must be a base58btc CID ("z..." with ${BASE58_CHARS} characters), got ${value.length} bytes`, {
      length: value.length,
    });
  }
}

/** Whether checkFileName accepts `value`. */
export function isFileName(value: string): boolean {
  return value.length === 0 || saneFileNameProblem(value) === undefined;
}

/** An optional file name, already sanitized by the writer (see sanitizeFileName). */
export function checkFileName(value: unknown, message: string, field: string): void {
  if (typeof value !== "string") throw invalidField(message, field, `must be a string, not ${describedValue(value)}`);
  if (value.length === 0) return;
  const problem = saneFileNameProblem(value);
  if (problem !== undefined) throw invalidField(message, field, problem);
}

// RFC 6838 restricted names, optional `; name=value` parameters (token or simple quoted string).
// All ASCII (RFC 2045; RFC 2231 encodes other characters), so the length in characters is the length
// in bytes, and a quoted value holds no C1 or bidi control to show.
const TOKEN = "[A-Za-z0-9!#$&^_.+-]";
const MIME = new RegExp(
  `^[A-Za-z0-9]${TOKEN}{0,126}/[A-Za-z0-9]${TOKEN}{0,126}` +
    `(?:[ \\t]*;[ \\t]*${TOKEN}{1,127}=(?:${TOKEN}{1,127}|"[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]{0,127}"))*$`,
);

/** Whether checkMime accepts `value`. */
export function isMime(value: string): boolean {
  return value.length === 0 || (value.length <= MAX_MIME_BYTES && MIME.test(value));
}

/** An optional MIME type ("image/png", "text/plain; charset=utf-8"). */
export function checkMime(value: unknown, message: string, field: string): void {
  if (typeof value !== "string") throw invalidField(message, field, `must be a string, not ${describedValue(value)}`);
  if (isMime(value)) return;
  throw invalidField(message, field, `must be a MIME type "type/subtype" of at most ${MAX_MIME_BYTES} ASCII characters`, {
    length: value.length,
  });
}

const FEATURE = /^[a-z0-9][a-z0-9._-]*$/;

export function isFeature(value: unknown): boolean {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_FEATURE_BYTES && FEATURE.test(value);
}

/** 1 for a-z, 0-9 (may start a feature name), 2 for ".", "_", "-" (may follow), 0 elsewhere. */
const FEATURE_BYTE = new Uint8Array(256);
for (let c = 0x61; c <= 0x7a; c++) FEATURE_BYTE[c] = 1;
for (let c = 0x30; c <= 0x39; c++) FEATURE_BYTE[c] = 1;
for (const c of [0x2e, 0x5f, 0x2d]) FEATURE_BYTE[c] = 2;

/** isFeature on the encoded bytes of the name. */
export function isFeatureBytes(bytes: Uint8Array): boolean {
  return isFeatureAt(bytes, 0, bytes.length);
}

/** isFeatureBytes on `buf[start..end)`. */
export function isFeatureAt(buf: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  if (n === 0 || n > MAX_FEATURE_BYTES || FEATURE_BYTE[buf[start] as number] !== 1) return false;
  for (let i = start + 1; i < end; i++) if (FEATURE_BYTE[buf[i] as number] === 0) return false;
  return true;
}

/** A feature flag name: lowercase ASCII, digits, ".", "_", "-". */
/** A feature name's rule in words, `[a-z0-9][a-z0-9._-]*`, for writer and reader alike (".x" broke only the first-character part, which it did not say). */
export const FEATURE_NAME_RULE = `must be 1-${MAX_FEATURE_BYTES} characters of a-z, 0-9, ".", "_", "-", the first a letter or digit`;

export function checkFeature(value: unknown, message: string, field: string): void {
  if (isFeature(value)) return;
  throw invalidField(message, field, FEATURE_NAME_RULE);
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/**
 * Whether `value` holds half a surrogate pair (a text cut between the two UTF-16 units of an
 * emoji): protobufjs writes it as bytes that are not UTF-8, and every reader then refuses the whole
 * message. Decoded text never holds one, so this binds writers only.
 */
function hasBrokenSurrogate(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (isLowSurrogate(c)) return true;
    if (isHighSurrogate(c)) {
      if (i + 1 < value.length && isLowSurrogate(value.charCodeAt(i + 1))) i++;
      else return true;
    }
  }
  return false;
}

/** UTF-8 length of a display text, or 0 when it is too short to matter (a UTF-16 unit is at most 3 UTF-8 bytes). */
function displayTextBytes(value: string): number {
  return value.length * 3 <= MAX_FALLBACK_TEXT_BYTES ? 0 : utf8Length(value);
}

/** Whether checkDisplayText accepts `value`. */
export function isDisplayText(value: string): boolean {
  return !hasControlCharacter(value) && !hasBrokenSurrogate(value) && displayTextBytes(value) <= MAX_FALLBACK_TEXT_BYTES;
}

/** Text shown to people: bounded, no control characters. */
export function checkDisplayText(value: unknown, message: string, field: string): void {
  if (typeof value !== "string") throw invalidField(message, field, `must be a string, not ${describedValue(value)}`);
  if (value.length === 0) return;
  if (hasControlCharacter(value)) throw invalidField(message, field, "must not contain control characters");
  if (hasBrokenSurrogate(value)) throw invalidField(message, field, "must be valid Unicode (half of a surrogate pair cannot be written as UTF-8)");
  const bytes = displayTextBytes(value);
  if (bytes > MAX_FALLBACK_TEXT_BYTES) {
    throw invalidField(message, field, `must be at most ${MAX_FALLBACK_TEXT_BYTES} UTF-8 bytes`, { bytes });
  }
}

/** A repeated field's element count. */
export function checkCount(length: number, min: number, max: number, message: string, field: string): void {
  if (length >= min && length <= max) return;
  if (length === 0) throw missingField(message, field, "empty");
  throw invalidField(message, field, `must have ${min}-${max} entries, got ${length}`, { count: length, min, max });
}
