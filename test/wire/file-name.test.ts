import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { FALLBACK_FILE_NAME, MAX_FILE_NAME_BYTES, sanitizeFileName } from "../../src/wire/index.js";
import { saneFileNameProblem } from "../../src/wire/file-name.js";

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");
/** Any JS string, lone surrogates and control characters included. */
const anyString = fc.string({ unit: "binary", maxLength: 400 });

describe("sanitizeFileName", () => {
  it.each([
    ["report.pdf", "report.pdf"],
    ["/home/alice/report.pdf", "report.pdf"],
    ["C:\\Users\\alice\\report.pdf", "report.pdf"],
    ["../../etc/passwd", "passwd"],
    ["dir/", FALLBACK_FILE_NAME],
    ["..", FALLBACK_FILE_NAME],
    [".", FALLBACK_FILE_NAME],
    ["", FALLBACK_FILE_NAME],
    ["a\u0000b\u001fc\u007fd\u0085e", "abcde"],
    ["invoice\u202Efdp.exe", "invoicefdp.exe"],
    ["\u2066x\u2069\u200E\u200F\u061C", "x"],
    [".\u202E.", FALLBACK_FILE_NAME],
    ["photo\uD800.jpg", "photo.jpg"],
    ["résumé 📄.txt", "résumé 📄.txt"],
    [".bashrc", ".bashrc"],
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

  test.prop([anyString], { numRuns: 500 })("its result is never empty, at most 255 UTF-8 bytes, and sane", (name) => {
    const out = sanitizeFileName(name);
    expect(out.length).toBeGreaterThan(0);
    expect(utf8(out)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(saneFileNameProblem(out)).toBeUndefined();
  });

  test.prop([anyString], { numRuns: 500 })("it is idempotent", (name) => {
    const once = sanitizeFileName(name);
    expect(sanitizeFileName(once)).toBe(once);
  });

  test.prop([anyString.filter((s) => s.length > 0)], { numRuns: 500 })(
    "a received name is accepted exactly when sanitizeFileName would have sent it unchanged",
    (name) => {
      expect(saneFileNameProblem(name) === undefined).toBe(sanitizeFileName(name) === name);
    },
  );
});
