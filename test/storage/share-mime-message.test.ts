/**
 * share() given a MIME type a file reference cannot carry ("not a mime", a label with characters
 * past ASCII, one over 255 characters: an app passing what a picker or a web page reported) was
 * refused with "its mime is not allowed in a file reference": what the wire takes, and what to do,
 * were only in the cause. The message now says both.
 */
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { thrown } from "../support/thrown.js";
import { startClient } from "./support/client-fixture.js";

describe("share() with a MIME type a reference cannot carry", () => {
  test.each(["not a mime", "é/x", `${"x".repeat(300)}/y`])("%s: E_BAD_REFERENCE saying what a MIME type must be and what to do", async (mime) => {
    const { client } = await startClient();
    const error = thrown(() => client.share({ bytes: Buffer.from("hello"), fileName: "a.txt", mime }));
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_BAD_REFERENCE", details: { field: "mime" } });
    expect((error as Error).message).toBe(
      `the file cannot be shared as given: its mime must be a MIME type "type/subtype" of at most 255 ASCII characters (the one given has ${mime.length} characters); pass one such as "image/png", or leave mime out to have it taken from the file's name`,
    );
    expect(client.jobs()).toEqual([]);
  });
});
