/**
 * share() called from JavaScript with what its types forbid: an ArrayBuffer for `bytes` (what
 * `await file.arrayBuffer()` gives), a string, an array, a path that is not a string. It threw raw
 * TypeErrors (ERR_INVALID_ARG_TYPE from the spool write or path.resolve), or for a string journaled
 * nothing and said E_LOCAL_IO "the state database failed (SQLITE_CONSTRAINT_NOTNULL)", sending the
 * user to the disk. Each is now E_SOURCE_MISSING saying what share() takes, with nothing journaled.
 */
import { describe, expect, test } from "vitest";
import type { ShareInput } from "../../src/storage/index.js";
import { startClient } from "./support/client-fixture.js";

describe("share() given what its types forbid", () => {
  test("an ArrayBuffer, a string, an array, a missing input or a path that is not a string: E_SOURCE_MISSING saying what share() takes, nothing journaled", async () => {
    const { client } = await startClient();
    const inputs: unknown[] = [
      { bytes: new ArrayBuffer(10), fileName: "a.txt" },
      { bytes: "hello", fileName: "a.txt" },
      { bytes: [1, 2, 3], fileName: "a.txt" },
      { path: 42 },
      { path: undefined },
      null,
      undefined,
    ];
    for (const input of inputs) {
      let thrown: unknown;
      try {
        client.share(input as ShareInput);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(input)).toMatchObject({ code: "E_SOURCE_MISSING", message: expect.stringMatching(/share\(\) takes \{ path \} .*or \{ bytes, fileName \}/) });
    }
    expect(client.jobs()).toEqual([]);
    // An empty path resolved to the working folder: "/… is a folder; only a regular file can be shared", naming a folder the app never gave.
    let empty: unknown;
    try {
      client.share({ path: "" });
    } catch (error) {
      empty = error;
    }
    expect(empty).toMatchObject({ code: "E_SOURCE_MISSING", message: expect.stringMatching(/it was given a path as the string ""$/) });
    expect(client.jobs()).toEqual([]);
    // What the types allow still works.
    await expect(client.share({ bytes: Buffer.from("hello"), fileName: "a.txt" }).done).resolves.toMatchObject({ reference: expect.any(Uint8Array) });
  });
});

describe("share() given the bytes alone, or an object with other names, says what it was given", () => {
  test("a Buffer itself, { file } and { data }: E_SOURCE_MISSING naming the bytes, or the object's keys, not 'bytes of type undefined'", async () => {
    const { client } = await startClient();
    const cases: Array<[unknown, RegExp]> = [
      [Buffer.from("hello"), /it was given the bytes themselves \(a Buffer of 5 bytes\), not an object holding them$/],
      [new Uint8Array(4), /it was given the bytes themselves \(a Uint8Array of 4 bytes\)/],
      [{ file: "photo.jpg" }, /it was given an object with neither path nor bytes \(its keys: file\)$/],
      [{ data: Buffer.from("x"), name: "a.txt" }, /\(its keys: data, name\)$/],
    ];
    for (const [input, message] of cases) {
      let thrown: unknown;
      try {
        client.share(input as ShareInput);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: "E_SOURCE_MISSING", message: expect.stringMatching(message) });
    }
    expect(client.jobs()).toEqual([]);
  });
});

describe("share() of a path no file can have", () => {
  test("a path holding a NUL byte, or longer than the file system allows: E_SOURCE_MISSING 'there is no file to share', not E_LOCAL_IO (the disk refused nothing)", async () => {
    const { client } = await startClient();
    for (const path of ["photo\0.jpg", `${"x".repeat(5000)}.jpg`]) {
      let thrown: unknown;
      try {
        client.share({ path });
      } catch (error) {
        thrown = error;
      }
      expect(thrown, path.slice(0, 20)).toMatchObject({ code: "E_SOURCE_MISSING", message: expect.stringMatching(/there is no file to share at/) });
    }
    expect(client.jobs()).toEqual([]);
  });
});
