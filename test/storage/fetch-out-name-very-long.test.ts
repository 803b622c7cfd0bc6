/**
 * fetch(reference, { out }) with a very long name (an app that names the file after a long chat
 * message) cut the name of its temp file to 255 bytes one character at a time, copying the whole
 * name each time: quadratic in the name's length and worse, on the caller's thread inside fetch()
 * (a 5,000-character name took 0.4 s, 20,000 12 s, 40,000 80 s; the UI froze). The download then
 * fails ENAMETOOLONG, as fetch-out-name-too-long.test.ts checks; this one checks it gets there.
 * The deadline only catches the hang; the work is linear.
 */
import { describe, expect, it } from "vitest";
import { runScript } from "../support/script-child.js";

describe("a fetch to an out with a very long name", () => {
  it.each(["narrow", "wide"])("returns, and the download fails E_LOCAL_IO ENAMETOOLONG (a 200,000-character name, %s characters)", async (width) => {
    const result = await runScript("test/storage/support/long-out-name-child.ts", ["200000", width], 60_000);
    expect(result, `fetch() did not return: ${result.stderr.slice(-500)}`).toMatchObject({ code: 0, signal: null });
    expect(JSON.parse(result.stdout)).toEqual({ code: "E_LOCAL_IO", os: "ENAMETOOLONG" });
  }, 150_000);
});
