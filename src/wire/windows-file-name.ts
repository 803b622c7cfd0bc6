/**
 * What Windows cannot save under a name that is fine elsewhere. A shared file is sent from any
 * platform and saved on any other, so these rules apply everywhere, not only on Windows.
 */

// Device names Windows opens instead of a file, in any directory, with or without an extension.
// Windows counts the Latin-1 superscripts ¹ ² ³ as digits here; CONIN$ and CONOUT$ are the console.
const RESERVED_DEVICE_NAMES = new Set([
  "CON",
  "PRN",
  "AUX",
  "NUL",
  "CONIN$",
  "CONOUT$",
  ..."123456789\u00b9\u00b2\u00b3".split("").flatMap((digit) => [`COM${digit}`, `LPT${digit}`]),
]);

/** Whether Windows would open a device for `name` ("nul", "Com1.txt", "CON .tar.gz"). */
export function isReservedDeviceName(name: string): boolean {
  const dot = name.indexOf(".");
  // Windows drops the spaces before the extension ("CON .txt" is CON); devices are at most 7 characters.
  // Trimmed by a loop: / +$/ backtracks over every run of spaces, quadratic on a long name.
  let end = dot < 0 ? name.length : dot;
  while (end > 0 && name.charCodeAt(end - 1) === 0x20) end--;
  return end <= 7 && RESERVED_DEVICE_NAMES.has(asciiUpperCase(name.slice(0, end)));
}

/**
 * `name` with the characters Windows refuses in a file name replaced by "_": `< > : " | ? *`. The
 * colon matters most: "report.pdf:x" would write an NTFS alternate stream, not a file.
 */
export function withoutForbiddenCharacters(name: string): string {
  return name.replace(/[<>:"|?*]/g, "_");
}

/** `name` without the trailing dots and spaces Windows silently drops ("a." would be saved as "a"). */
export function withoutDroppedEnding(name: string): string {
  let end = name.length;
  while (end > 0 && (name.charCodeAt(end - 1) === 0x2e || name.charCodeAt(end - 1) === 0x20)) end--;
  return name.slice(0, end);
}

/** Only a-z folded: Windows matches device names by ASCII case, and toUpperCase maps "ı" to "I". */
function asciiUpperCase(text: string): string {
  return text.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x20));
}
