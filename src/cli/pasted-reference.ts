import { StorageError } from "../storage/index.js";

/** Quotes a copy takes along: the JSON string `file put` printed, or a chat app's typographic quotes. */
const QUOTES = `"'\u201c\u201d\u2018\u2019\u00ab\u00bb`;

/**
 * The FileReference bytes from `file get`'s BASE64 argument as a person pastes it. Accepted besides
 * plain base64: whitespace and line breaks anywhere (a reference wrapped over lines by a terminal or
 * an email), URL-safe letters (`-_`), missing padding, invisible format characters anywhere (a
 * zero-width space or soft hyphen a chat app or a web page puts in a long word to wrap it: the user
 * cannot see them to remove them), one pair of quotes around it (the value copied out of `put`'s
 * JSON line, with its quotes), and that whole JSON line (`"$(status-compat file put x)"`, a saved
 * ref.json): its `base64` field. None of these characters can be part of base64, so nothing that
 * was a reference before reads differently. Anything else is E_BAD_REFERENCE naming the first
 * character that is not base64, as a pasted text hides it.
 */
export function decodePastedReference(text: string): Uint8Array {
  const field = base64FieldOfJson(text);
  let clean = (field ?? text).replace(/[\s\p{Cf}]+/gu, "");
  if (clean.length >= 2 && QUOTES.includes(clean[0] as string) && QUOTES.includes(clean[clean.length - 1] as string)) clean = clean.slice(1, -1);
  // A chat bubble or a preview that shortened the reference shows the rest as an ellipsis: what was
  // copied is cut, which "not base64" sent the user looking for the wrong field.
  if (/^[A-Za-z0-9+/_-]+(?:…|\.\.\.)$/.test(clean)) {
    throw new StorageError("E_BAD_REFERENCE", "the file reference looks cut: it ends with an ellipsis (…), as a shortened message shows it; copy the whole reference again", {
      details: { cut: true },
    });
  }
  if (clean === "") throw new StorageError("E_BAD_REFERENCE", "the reference is empty (pass the `base64` field that `file put` printed)");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(clean)) {
    throw new StorageError("E_BAD_REFERENCE", `the reference is not base64: ${firstStranger(clean)}; pass the \`base64\` field that \`file put\` printed`, {
      details: { notBase64: true },
    });
  }
  return Buffer.from(clean.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

/** `put`'s JSON line given whole: its `base64` field; undefined for what is no such object. */
function base64FieldOfJson(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  const field = typeof parsed === "object" && parsed !== null ? (parsed as { base64?: unknown }).base64 : undefined;
  if (typeof field === "string") return field;
  throw new StorageError("E_BAD_REFERENCE", "the reference is a JSON object without a `base64` field; pass the `base64` field that `file put` printed (or its whole output)");
}

/** The first character that is not base64 and where it is, its code point too (it may not show). */
function firstStranger(clean: string): string {
  const chars = [...clean];
  const at = chars.findIndex((c) => !/[A-Za-z0-9+/_=-]/.test(c));
  if (at === -1) {
    // Only base64 letters and '=': the padding is misplaced.
    const inside = chars.findIndex((c, i) => c === "=" && chars.slice(i).some((rest) => rest !== "="));
    return inside === -1 ? "more than two '=' at its end" : `'=' inside it, at character ${inside + 1} (not counting spaces and line breaks)`;
  }
  const c = chars[at] as string;
  const code = `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
  return `${/[\p{L}\p{N}\p{P}\p{S}]/u.test(c) ? `'${c}' (${code})` : code} at character ${at + 1} (not counting spaces and line breaks)`;
}
