/**
 * README and docs/wire.md tell an app to show `details.fallbackText` when openEnvelope refuses an
 * envelope for newer readers, and to read `details.reason` and `details.field`. Before, WireError's
 * details were Record<string, unknown>, so `return error.details.fallbackText` in a function giving
 * the text to show did not compile without a cast. The documented keys are typed now; the rest
 * stay unknown.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { profileFor } from "../../src/versions/index.js";
import {
  DEFAULT_FALLBACK_TEXT,
  encodeFileReference,
  encodeEnvelope,
  isWireError,
  openEnvelope,
  type WireError,
} from "../../src/wire/index.js";
import { sampleReference } from "./support/sample-reference.js";

const reference = sampleReference;

/** What a chat view shows for a received envelope, as an app writes it from the README. */
function shown(bytes: Uint8Array, window: { min: number; max: number }): string {
  try {
    const { payload } = openEnvelope(bytes, window);
    return payload.kind === "file-reference" ? payload.message.fileName : payload.kind;
  } catch (error) {
    if (isWireError(error) && (error.code === "E_VERSION_UNSUPPORTED" || error.code === "E_WIRE_UNKNOWN_TYPE")) {
      return error.details.fallbackText ?? DEFAULT_FALLBACK_TEXT;
    }
    throw error;
  }
}

describe("WireError details an app reads", () => {
  it("fallbackText, reason and field are typed as the docs describe them", () => {
    expectTypeOf<WireError["details"]["fallbackText"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<WireError["details"]["reason"]>().toEqualTypeOf<"reader-too-old" | "writer-too-old" | undefined>();
    expectTypeOf<WireError["details"]["field"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<WireError["details"]["anythingElse"]>().toEqualTypeOf<unknown>();
  });

  it("a 0.2.0 reader shows a 0.3.0 writer's text for a version 3 envelope only 0.3.0 reads; a 0.3.0 reader shows the file", () => {
    const bytes = encodeEnvelope({
      version: 3,
      minReader: 3,
      type: "file-reference",
      payload: encodeFileReference(reference, 3),
      sender: { minVersion: 2, maxVersion: 3, features: [] },
      fallbackText: "Update Status to open this file.",
    });
    expect(shown(bytes, profileFor(2).window)).toBe("Update Status to open this file.");
    expect(shown(bytes, profileFor(3).window)).toBe(reference.fileName);
  });
});
