import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { FALLBACK_FILE_NAME, MAX_FILE_NAME_BYTES, sanitizeFileName } from "../../src/wire/index.js";
import { saneFileNameProblem } from "../../src/wire/file-name.js";
import { runScript } from "../support/script-child.js";

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");
/** Any JS string, lone surrogates and control characters included. */
const anyString = fc.string({ unit: "binary", maxLength: 400 });

/** The Windows rules, spelled out independently of the implementation. */
const DEVICE_NAME = /^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[1-9\u00b9\u00b2\u00b3]|LPT[1-9\u00b9\u00b2\u00b3]) *(\.|$)/i;
const isWindowsSafe = (name: string) => !DEVICE_NAME.test(name) && !/[. ]$/.test(name) && !/[<>:"|?*]/.test(name);
/** What current writers leave out but readers still accept from older ones: the Windows rules and line separators. */
const isCurrentWriterSafe = (name: string) => isWindowsSafe(name) && !/[\u2028\u2029]/.test(name);

/** Names built from the pieces the Windows rules turn on, long runs included to reach the 255-byte cap. */
const windowsTricky = fc
  .array(
    fc.constantFrom(
      "con", "CON", "Nul", "aux", "prn", "com1", "COM9", "lpt5", "COM\u00b9", "lpt\u00b3", "conin$", "CONOUT$",
      "com0", "com10", "lpt", "cons", "_", ".", "..", " ", "txt", "tar", "gz", "a", "é", "📄", "/", "\\",
      "\u0000", "\u202E", "\uD800", "\u2028", "\u2029", ":", "<", ">", '"', "|", "?", "*", " ".repeat(120), ".".repeat(120), "a".repeat(120), "é".repeat(60),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(""));
const names = fc.oneof(anyString, windowsTricky);

describe("sanitizeFileName", () => {
  it.each([
    ["report.pdf", "report.pdf"],
    ["/home/alice/report.pdf", "report.pdf"],
    ["C:\\Users\\alice\\report.pdf", "report.pdf"],
    ["../../etc/passwd", "passwd"],
    ["dir/", FALLBACK_FILE_NAME],
    ["..", FALLBACK_FILE_NAME],
    ["report.pdf:hidden", "report.pdf_hidden"],
    ['what? <draft> "v2" | *final*.txt', "what_ _draft_ _v2_ _ _final_.txt"],
    [":", "_"],
    ["CON:", "CON_"],
    [".", FALLBACK_FILE_NAME],
    ["", FALLBACK_FILE_NAME],
    ["a\u0000b\u001fc\u007fd\u0085e", "abcde"],
    ["invoice\u202Efdp.exe", "invoicefdp.exe"],
    ["\u2066x\u2069\u200E\u200F\u061C", "x"],
    [".\u202E.", FALLBACK_FILE_NAME],
    ["photo\uD800.jpg", "photo.jpg"],
    // Line and paragraph separators break the name across lines where it is shown: a one-line label
    // of "invoice.pdf\u2028.exe" shows "invoice.pdf" for a program.
    ["invoice.pdf\u2028.exe", "invoice.pdf.exe"],
    ["a\u2029b.txt", "ab.txt"],
    ["\u2028", FALLBACK_FILE_NAME],
    ["résumé 📄.txt", "résumé 📄.txt"],
    [".bashrc", ".bashrc"],
    // Windows device names, in any case, with any extension, with spaces before the extension.
    ["CON", "_CON"],
    ["con.txt", "_con.txt"],
    ["NUL.tar.gz", "_NUL.tar.gz"],
    ["CON .txt", "_CON .txt"],
    ["Aux", "_Aux"],
    ["prn.", "_prn"],
    ["dir/com1.log", "_com1.log"],
    ["LPT9", "_LPT9"],
    ["COM\u00b9", "_COM\u00b9"],
    ["lpt\u00b2.txt", "_lpt\u00b2.txt"],
    ["LPT\u00b3", "_LPT\u00b3"],
    ["CONIN$", "_CONIN$"],
    ["conout$.txt", "_conout$.txt"],
    ["com\u00001.txt", "_com1.txt"],
    // Not devices: more characters, digit 0 or 10, a device name inside a longer base.
    ["COM0", "COM0"],
    ["COM10.txt", "COM10.txt"],
    ["console.log", "console.log"],
    ["CON_.txt", "CON_.txt"],
    ["my CON.txt", "my CON.txt"],
    ["_CON.txt", "_CON.txt"],
    // Trailing dots and spaces, which Windows drops.
    ["notes.", "notes"],
    ["notes. . ", "notes"],
    ["report.pdf   ", "report.pdf"],
    ["...", FALLBACK_FILE_NAME],
    [" . ", FALLBACK_FILE_NAME],
    ["a .b", "a .b"],
  ])("%j becomes %j", (input, expected) => {
    expect(sanitizeFileName(input)).toBe(expected);
  });

  it("caps at 255 UTF-8 bytes at a character boundary, keeping a short extension", () => {
    const long = `${"📄".repeat(100)}.pdf`;
    const out = sanitizeFileName(long);
    expect(utf8(out)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(out.endsWith(".pdf")).toBe(true);
    expect(out).toBe(`${"📄".repeat(62)}.pdf`);
    expect(sanitizeFileName("a".repeat(300))).toBe("a".repeat(255));
  });

  it("keeps the cap when a device name gets its prefix, and when a cut ends in a space or exposes a device", () => {
    expect(sanitizeFileName(`CON.${"a".repeat(251)}`)).toBe(`_CON.${"a".repeat(250)}`);
    expect(sanitizeFileName(`${"a".repeat(254)} b`)).toBe("a".repeat(254));
    expect(sanitizeFileName(`CON${" ".repeat(300)}x`)).toBe("_CON");
    expect(sanitizeFileName(`CON${" ".repeat(300)}x.pdf`)).toBe(`_CON${" ".repeat(247)}.pdf`);
    expect(sanitizeFileName(`${" ".repeat(300)}x`)).toBe(FALLBACK_FILE_NAME);
  });

  test.prop([names], { numRuns: 1000 })(
    "its result is never a Windows device name, never ends in a dot or space, and has no separator, line separator nor any of < > : \" | ? *",
    (name) => {
      const out = sanitizeFileName(name);
      expect(DEVICE_NAME.test(out)).toBe(false);
      expect(out).not.toMatch(/[\u2028\u2029]/);
      expect(out).not.toMatch(/[. ]$/);
      expect(out).not.toMatch(/[/\\]/);
      expect(out).not.toMatch(/[<>:"|?*]/);
    },
  );

  test.prop([names], { numRuns: 500 })("its result is never empty, at most 255 UTF-8 bytes, and sane", (name) => {
    const out = sanitizeFileName(name);
    expect(out.length).toBeGreaterThan(0);
    expect(utf8(out)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(saneFileNameProblem(out)).toBeUndefined();
  });

  test.prop([names], { numRuns: 500 })("it is idempotent", (name) => {
    const once = sanitizeFileName(name);
    expect(sanitizeFileName(once)).toBe(once);
  });

  test.prop([names.filter((s) => s.length > 0)], { numRuns: 500 })(
    "a received name safe by the current writers' rules is accepted exactly when sanitizeFileName would have sent it unchanged",
    (name) => {
      expect(saneFileNameProblem(name) === undefined && isCurrentWriterSafe(name)).toBe(sanitizeFileName(name) === name);
    },
  );

  // Writers before the Windows rules sent "con.txt" and "notes." (and, before the line-separator rule,
  // "a\u2028b"); refusing them would drop the whole message between consecutive releases, so readers
  // accept them and the saver renames.
  it.each(["con.txt", "NUL", "notes.", "report.pdf ", "COM\u00b9.log", "report.pdf:hidden", 'a<b>c"d|e?f*', "a\u2028b.txt", "a\u2029b"])("a reader accepts %j from an older writer", (name) => {
    expect(saneFileNameProblem(name)).toBeUndefined();
    expect(sanitizeFileName(name)).not.toBe(name);
  });
});

describe("sanitizeFileName on a name with a long run of spaces", () => {
  // A trim by / +$/ backtracked over every space for every space: a 1M-character name took minutes
  // (quadratic) on the sending path. The deadline only catches that hang; the work is linear.
  it("ends (a 1M-character name, before and without an extension) and keeps the name's ends", async () => {
    for (const shape of ["plain", "dot"]) {
      const result = await runScript("test/wire/support/long-file-name-child.ts", ["1000000", shape], 60_000);
      expect(result, `${shape}: the sanitizer did not end`).toMatchObject({ code: 0, signal: null });
      // "a", spaces, "x": cut to 255 bytes, then the trailing spaces Windows drops go; with ".txt", the extension stays.
      expect(JSON.parse(result.stdout)).toEqual(shape === "dot" ? { length: 255, start: "a", end: ".txt" } : { length: 1, start: "a", end: "a" });
    }
  }, 150_000);
});
