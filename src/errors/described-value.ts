/** The most of a string a message quotes: a setting's value fits, a backend's page or a file's text does not. */
const MAX_QUOTED_CHARS = 80;

/**
 * A value for a message, by its type (never its contents, which may be a file's bytes; a string is
 * quoted, up to MAX_QUOTED_CHARS). An instance of a class is named by it ("an ArrayBuffer of 4
 * bytes", what `file.arrayBuffer()` gives where a Uint8Array is taken; "a Promise", a value not
 * awaited; "a Date"), a plain object as "an object".
 */
export function describedValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return `the string ${JSON.stringify(quotable(value))}`;
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return `a ${value.constructor.name} of ${value.byteLength} bytes`;
  if (value instanceof ArrayBuffer) return `an ArrayBuffer of ${value.byteLength} bytes`;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "undefined") return String(value);
  // The tag, not value.constructor: no getter of the caller's runs, and a plain object's is "Object".
  const kind = typeof value === "object" ? Object.prototype.toString.call(value).slice(8, -1) : typeof value;
  // By sound, not letter: "a Uint8ClampedArray" (a "you"), "an Int8Array", "an Error".
  return kind === "Object" ? "an object" : `${/^[aeiouAEIO]/.test(kind) ? "an" : "a"} ${kind}`;
}

/** The string cut at MAX_QUOTED_CHARS, not inside a character's surrogate pair, with "…" when cut. */
function quotable(text: string): string {
  if (text.length <= MAX_QUOTED_CHARS) return text;
  const cut = /[\uD800-\uDBFF]/.test(text[MAX_QUOTED_CHARS - 1] as string) ? MAX_QUOTED_CHARS - 1 : MAX_QUOTED_CHARS;
  return `${text.slice(0, cut)}…`;
}
