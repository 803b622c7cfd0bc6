/**
 * `file get BASE64` as people paste it. Whitespace, URL-safe letters and missing padding were
 * accepted (file.test.ts); these were "the reference is not base64" though the user passed what
 * `put` printed: the value copied out of put's JSON with its quotes (or a chat app's “…”), a
 * zero-width space or soft hyphen a chat app or web page puts into a long word to wrap it (the
 * user cannot see it), a byte-order mark, and put's whole JSON line (`"$(cat ref.json)"`). None of
 * these characters can be part of base64, so they are now read past. What is still refused says
 * which character is wrong and where, since a pasted text hides it. In process.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../../src/cli/exit-codes.js";
import { journalRows, runCliInProcess } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

async function shared(): Promise<{ dir: string; home: string; bytes: Buffer; putOutput: string; base64: string }> {
  const dir = tempDir("scc-pasted-ref-");
  const home = join(dir, "home");
  const bytes = Buffer.alloc(3000, 4);
  writeFileSync(join(dir, "photo.jpg"), bytes);
  const put = await runCliInProcess(["file", "put", join(dir, "photo.jpg"), "--home", home]);
  expect(put.code, put.stderr).toBe(EXIT.OK);
  return { dir, home, bytes, putOutput: put.stdout, base64: (JSON.parse(put.stdout) as { base64: string }).base64 };
}

describe("file get reads a reference pasted with what a copy takes along", () => {
  test("quotes, typographic quotes, invisible characters, a BOM, put's whole JSON line: the same file", async () => {
    const { dir, home, bytes, putOutput, base64 } = await shared();
    const mid = 20;
    const pastes: [string, string][] = [
      ["JSON quotes", `"${base64}"`],
      ["typographic quotes", `\u201c${base64}\u201d`],
      ["zero-width spaces", `${base64.slice(0, mid)}\u200b${base64.slice(mid)}\u200b`],
      ["a soft hyphen", `${base64.slice(0, mid)}\u00ad${base64.slice(mid)}`],
      ["a word joiner and a BOM", `\ufeff${base64.slice(0, mid)}\u2060${base64.slice(mid)}`],
      ["put's JSON line", putOutput],
      ["put's JSON line, pretty-printed", JSON.stringify(JSON.parse(putOutput), null, 2)],
    ];
    for (const [i, [what, pasted]] of pastes.entries()) {
      const out = join(dir, `copy-${i}.jpg`);
      const r = await runCliInProcess(["file", "get", pasted, "--out", out, "--home", home]);
      expect(r.code, `${what}: ${r.stderr}`).toBe(EXIT.OK);
      expect(readFileSync(out).equals(bytes), what).toBe(true);
    }
  });

  test.each([
    ["a character that is not base64", (b: string) => `${b.slice(0, 10)}!${b.slice(10)}`, /is not base64: '!' \(U\+0021\) at character 11 \(not counting spaces and line breaks\); pass the `base64` field/],
    ["a control character, by its code point", (b: string) => `${b.slice(0, 10)}\u0007${b.slice(10)}`, /is not base64: U\+0007 at character 11/],
    ["'=' inside", (b: string) => `${b.slice(0, 10)}=${b.slice(10)}`, /is not base64: '=' inside it, at character 11/],
    ["three '=' at the end", (b: string) => `${b.replace(/=+$/, "")}===`, /is not base64: more than two '=' at its end/],
    ["quotes around nothing", () => `""`, /the reference is empty/],
    ["a JSON object without base64", () => `{"path":"/tmp/x","size":3}`, /JSON object without a `base64` field/],
    ["one quote only", (b: string) => `"${b}`, /is not base64: '"' \(U\+0022\) at character 1/],
  ])("%s: exit 3 (E_BAD_REFERENCE) saying what is wrong; nothing written, no job", async (_what, paste, said) => {
    const { dir, home, base64 } = await shared();
    const out = join(dir, "copy.jpg");
    const r = await runCliInProcess(["file", "get", paste(base64), "--out", out, "--home", home]);
    expect(r.code, r.stderr).toBe(EXIT.BAD_INPUT);
    expect(r.stderr).toContain("error[E_BAD_REFERENCE]");
    expect(r.stderr).toMatch(said);
    expect(existsSync(out)).toBe(false);
    expect(journalRows(home, "SELECT id FROM download_jobs")).toEqual([]);
  });
});
