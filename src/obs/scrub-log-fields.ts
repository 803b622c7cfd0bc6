import { pino } from "pino";

/**
 * What a log line must never carry, wherever a caller put it: pino's redact paths name fixed
 * depths (`*.key`), so a whole ShareResult (`result.view.encryption.key`, `result.reference`), a
 * journal row (`enc_key`, `file_reference`) or a share input (`bytes`) logged by mistake went out
 * whole. Fields are walked once per line written (never for levels that are off).
 */

/**
 * Names whose values are key material, or hold it (a FileReference carries its content key), in
 * lower case: a name is matched in any case, as code writes headers (`Authorization`) and fields.
 * `base64` is `file put`'s output field holding the reference.
 */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  "key",
  "keys",
  "secret",
  "privatekey",
  "nonceprefix",
  "plaintext",
  "password",
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "enc_key",
  "enckey",
  "nonce_prefix",
  "reference",
  "file_reference",
  "filereference",
  "base64",
]);

const CENSOR = "[redacted]";
/** Deeper than any line of ours; what lies below is cut rather than walked. */
const MAX_DEPTH = 10;
/**
 * `scheme://user:password@` in a URL: the credentials go, the rest stays readable. Up to the last `@`
 * before the path, query or fragment, as URL parsers read it: a password with an unescaped `@` left its
 * tail behind when the first one ended the match.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s?#]*@/gi;

/** A copy of a line's fields with secrets censored at any depth, binary values replaced by their size, and URL credentials removed. */
export function scrubLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  return scrubObject(fields, 0, new WeakSet()) as Record<string, unknown>;
}

/** Any value as scrubLogFields writes a field's (bytes as their size, an error serialized, secrets censored at any depth). */
export function scrubLogValue(value: unknown): unknown {
  return scrub(value, 0, new WeakSet());
}

/** A message text with URL credentials removed. */
export function scrubLogText(text: string): string {
  return text.replace(URL_CREDENTIALS, `$1${CENSOR}@`);
}

function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === "string") return scrubLogText(value);
  if (value === null || typeof value !== "object") return value;
  // Bytes are contents, keys or references: never worth a log line.
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return `[${value.byteLength} bytes]`;
  // As pino writes an error (message, stack, causes, own fields), then scrubbed like any object: a
  // message or cause may name a URL with its credentials, and details may hold bytes.
  if (value instanceof Error) return scrubObject(pino.stdSerializers.err(value), depth + 1, seen);
  if (value instanceof URL) return scrubLogText(value.href);
  // JSON.stringify writes what toJSON gives (a view a class chose to show), so that is what is scrubbed.
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return scrubShown(value as { toJSON: () => unknown }, depth, seen);
  return scrubObject(value, depth + 1, seen);
}

function scrubShown(value: { toJSON: () => unknown }, depth: number, seen: WeakSet<object>): unknown {
  // A toJSON giving a new such object each time would otherwise never end.
  if (depth > MAX_DEPTH) return "[too deep]";
  let shown: unknown;
  try {
    shown = value.toJSON();
  } catch {
    // A log call must not throw for what it was given.
    return "[unserializable]";
  }
  return shown === value ? scrubObject(value, depth + 1, seen) : scrub(shown, depth + 1, seen);
}

function scrubObject(value: object, depth: number, seen: WeakSet<object>): unknown {
  if (seen.has(value)) return "[Circular]";
  if (depth > MAX_DEPTH) return "[too deep]";
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => scrub(item, depth, seen));
    const copy: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) copy[name] = SECRET_NAMES.has(name.toLowerCase()) ? CENSOR : scrub(item, depth, seen);
    return copy;
  } finally {
    seen.delete(value);
  }
}
