/** A value for a message, by its type (never its contents, which may be a file's bytes; a string is quoted). */
export function describedValue(value: unknown): string {
  if (value === null) return "null";
  // Text is short and the caller's own (a setting's value): quoted, it says what was typed.
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return `a ${value.constructor.name} of ${value.byteLength} bytes`;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "undefined") return String(value);
  return `a${/^[aeiou]/.test(typeof value) ? "n" : ""} ${typeof value}`;
}
