import { pino } from "pino";

/**
 * What a log line must never carry, wherever a caller put it: pino's redact paths name fixed
 * depths (`*.key`), so a whole ShareResult (`result.view.encryption.key`, `result.reference`), a
 * journal row (`enc_key`, `file_reference`) or a share input (`bytes`) logged by mistake went out
 * whole. Fields are walked once per line written (never for levels that are off).
 */

/** Names whose values are key material, or hold it (a FileReference carries its content key). */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  "key",
  "keys",
  "secret",
  "privateKey",
  "noncePrefix",
  "plaintext",
  "password",
  "authorization",
  "enc_key",
  "encKey",
  "nonce_prefix",
  "reference",
  "file_reference",
  "fileReference",
]);

const CENSOR = "[redacted]";
/** Deeper than any line of ours; what lies below is cut rather than walked. */
const MAX_DEPTH = 10;
/** `scheme://user:password@` in a URL: the credentials go, the rest stays readable. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi;

/** A copy of a line's fields with secrets censored at any depth, binary values replaced by their size, and URL credentials removed. */
export function scrubLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  return scrubObject(fields, 0, new WeakSet()) as Record<string, unknown>;
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
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
  return scrubObject(value, depth + 1, seen);
}

function scrubObject(value: object, depth: number, seen: WeakSet<object>): unknown {
  if (seen.has(value)) return "[Circular]";
  if (depth > MAX_DEPTH) return "[too deep]";
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => scrub(item, depth, seen));
    const copy: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) copy[name] = SECRET_NAMES.has(name) ? CENSOR : scrub(item, depth, seen);
    return copy;
  } finally {
    seen.delete(value);
  }
}
