/**
 * fetch(reference, options) from JavaScript (the app's bridge code): `null` for "no options" or
 * "no out" (a value read from a database or a JSON message), or an out that is not a path, threw a
 * raw TypeError ("Cannot read properties of null (reading 'out')", "options.out.endsWith is not a
 * function") instead of the layer's typed error; the app's error handling, which branches on
 * `code`, saw no code. null now means none, as undefined does; any other non-string out is
 * refused E_UNSUPPORTED naming it (details.option "out"), before anything is journaled, and so is
 * an empty out, which named the working folder.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { FetchOptions } from "../../src/storage/index.js";
import { KiB, sha256Hex, startClient } from "./support/client-fixture.js";

describe("fetch options from JavaScript", () => {
  test.each([
    ["null options", null],
    ["an out of null", { out: null }],
  ])("%s is a fetch into the cache, as no options are", async (_, options) => {
    const { client } = await startClient();
    const bytes = randomBytes(10 * KiB);
    const { reference } = await client.share({ bytes, fileName: "a.bin" }).done;
    const got = await client.fetch(reference, options as unknown as FetchOptions).done;
    expect(sha256Hex(readFileSync(got.path))).toBe(sha256Hex(bytes));
  });

  test.each([
    ["a number", 5, "not 5;"],
    ["an object", { path: "x.jpg" }, "not an object;"],
    ["a Buffer", Buffer.from("x.jpg"), "not a Buffer of 5 bytes;"],
    // "" resolved to the working folder: a download journaled, then failed EISDIR (dataDir "" is refused alike).
    ["an empty string", "", 'not the string "";'],
  ])("an out that is %s is refused with E_UNSUPPORTED naming options.out and the value, and no job is made", async (_, out, says) => {
    const { client } = await startClient();
    const { reference } = await client.share({ bytes: randomBytes(10 * KiB), fileName: "a.bin" }).done;
    const before = client.jobs().length;
    let thrown: unknown;
    try {
      client.fetch(reference, { out } as unknown as FetchOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: "E_UNSUPPORTED", message: expect.stringMatching(/options\.out/), details: { option: "out" } });
    expect((thrown as Error).message).toContain(says);
    expect(client.jobs()).toHaveLength(before);
  });
});
