/**
 * docs/wire.md, Writing: "File names go through sanitizeFileName(name) first". That is the writer's
 * call, not the encoder's: encodeFileReference writes a name as given when it keeps the wire rule
 * (readers accept "con.txt" from older writers, so the encoder does too), and the storage client's
 * share() is what sanitizes. An app building a view itself must call it; this holds the docs to that.
 */
import { describe, expect, it } from "vitest";
import { decodeFileReference, encodeFileReference, sanitizeFileName } from "../../src/wire/index.js";
import { sampleReference } from "./support/sample-reference.js";

describe("a file name an app puts in a view", () => {
  for (const name of ["con.txt", "notes.", "a:b"]) {
    it(`${JSON.stringify(name)} is written as given; sanitizeFileName, called by the app, makes it ${JSON.stringify(sanitizeFileName(name))}`, () => {
      const written = decodeFileReference(encodeFileReference({ ...sampleReference, fileName: name }, 3), 3).fileName;
      expect(written).toBe(name);
      expect(sanitizeFileName(name)).not.toBe(name);
    });
  }
});
