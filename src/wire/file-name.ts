import { MAX_FILE_NAME_BYTES } from "./limits.js";
import { isHighSurrogate, isLowSurrogate, utf8Length } from "./utf8-length.js";
import { isReservedDeviceName, withoutDroppedEnding, withoutForbiddenCharacters } from "./windows-file-name.js";

/** What sanitizeFileName returns when nothing usable is left. */
export const FALLBACK_FILE_NAME = "file";

/** An extension this long or shorter survives truncation ("very long name….pdf"). */
const MAX_KEPT_EXTENSION_BYTES = 32;

function isControl(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/** Characters that reorder displayed text ("invoice‮fdp.exe" shows as "invoiceexe.pdf"). */
function isBidiControl(c: number): boolean {
  return c === 0x061c || c === 0x200e || c === 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/**
 * Line and paragraph separators (U+2028, U+2029): where a name is shown they start a new line, so a
 * one-line label of "invoice.pdf\u2028.exe" shows "invoice.pdf" for a program, as a bidi override would.
 */
function isLineSeparator(c: number): boolean {
  return c === 0x2028 || c === 0x2029;
}

/**
 * A file name safe to show and to save under on any platform: the part after the last "/" or "\",
 * without control, bidirectional-control or line-separator characters or broken surrogates, with "_" for each of
 * `< > : " | ? *`, without trailing dots or spaces, "_" before a Windows device name ("CON.txt"
 * becomes "_CON.txt"), at most 255 UTF-8 bytes (cut at a character boundary, keeping a short
 * extension), never empty, never "." or "..".
 * Writers run it on every name they send. Readers refuse names that break the wire rule
 * (saneFileNameProblem) but accept the Windows-unsafe ones older writers sent; whoever saves a
 * received name runs it through here first (a no-op for names from current writers).
 */
export function sanitizeFileName(name: string): string {
  let out = portable(withoutUnsafeCharacters(typeof name === "string" ? name : ""));
  // The "_" may push a name over the cap, and a cut may end in a space or expose a device name
  // ("CON" + 300 spaces + "x"): at most two rounds, as a name starting with "_" is never a device.
  while (utf8Length(out) > MAX_FILE_NAME_BYTES) out = portable(shorten(out));
  return out;
}

/** The part after the last separator, without control, bidi-control, line-separator or broken-surrogate characters. */
function withoutUnsafeCharacters(text: string): string {
  const base = text.slice(Math.max(text.lastIndexOf("/"), text.lastIndexOf("\\")) + 1);
  let out = "";
  for (let i = 0; i < base.length; i++) {
    const c = base.charCodeAt(i);
    if (isControl(c) || isBidiControl(c) || isLineSeparator(c) || isLowSurrogate(c)) continue;
    if (isHighSurrogate(c)) {
      if (i + 1 < base.length && isLowSurrogate(base.charCodeAt(i + 1))) {
        out += base.slice(i, i + 2);
        i++;
      }
      continue;
    }
    out += base[i];
  }
  return out;
}

/** Saveable on Windows too; "." and ".." lose their dots and become the fallback like an empty name. */
function portable(name: string): string {
  const kept = withoutDroppedEnding(withoutForbiddenCharacters(name));
  if (kept === "") return FALLBACK_FILE_NAME;
  return isReservedDeviceName(kept) ? `_${kept}` : kept;
}

function shorten(name: string): string {
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? name.slice(dot) : "";
  const keep = extension !== "" && utf8Length(extension) <= MAX_KEPT_EXTENSION_BYTES ? extension : "";
  const stem = keep === "" ? name : name.slice(0, dot);
  return prefixWithin(stem, MAX_FILE_NAME_BYTES - utf8Length(keep)) + keep;
}

/** The longest prefix of `text` within `budget` UTF-8 bytes, never splitting a surrogate pair. */
function prefixWithin(text: string, budget: number): string {
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const pair = isHighSurrogate(c) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1));
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > budget) break;
    bytes += size;
    i += pair ? 2 : 1;
  }
  return text.slice(0, i);
}

/**
 * Why a non-empty received name breaks the wire rule, or undefined when it keeps it. A name that is
 * safe on Windows and without line separators is sane exactly when sanitizeFileName leaves it unchanged;
 * names it changes only for Windows (trailing dots or spaces, device names, `< > : " | ? *`) or for line
 * separators stay accepted, because writers before those rules sent them and refusing them would drop
 * the whole message between consecutive releases.
 */
export function saneFileNameProblem(name: string): string | undefined {
  if (name === "." || name === "..") return 'must not be "." or ".."';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2f || c === 0x5c) return 'must not contain a directory part ("/" or "\\")';
    if (isControl(c)) return "must not contain control characters";
    if (isBidiControl(c)) return "must not contain bidirectional control characters";
    if (isHighSurrogate(c)) {
      if (i + 1 < name.length && isLowSurrogate(name.charCodeAt(i + 1))) i++;
      else return "must be valid Unicode";
    } else if (isLowSurrogate(c)) return "must be valid Unicode";
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: short names need no count.
  if (name.length * 3 > MAX_FILE_NAME_BYTES && utf8Length(name) > MAX_FILE_NAME_BYTES) return `must be at most ${MAX_FILE_NAME_BYTES} UTF-8 bytes`;
  return undefined;
}
