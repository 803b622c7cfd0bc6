/**
 * hasErrorCode(error, code) lets an app narrow without importing a layer's class; narrowing to
 * CompatError<C> left details Record<string, unknown>, so the documented 'show details.fallbackText'
 * through hasErrorCode took a cast. It narrows to the class whose codes hold `code` (WireError for
 * a wire code, with WireErrorDetails), with `code` narrowed to it as before, so the app's code compiles as it does with isWireError.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  DEFAULT_FALLBACK_TEXT,
  encodePayloadEnvelope,
  hasErrorCode,
  openEnvelope,
  profileFor,
  type CompatError,
  type NegotiationError,
  type StateError,
  type WireError,
} from "../../src/index.js";
import { sampleReference } from "../wire/support/sample-reference.js";

/** What a chat view shows for a received envelope, written with hasErrorCode instead of isWireError. */
function shown(bytes: Uint8Array, window: { min: number; max: number }): string {
  try {
    const { payload } = openEnvelope(bytes, window);
    return payload.kind === "file-reference" ? payload.message.fileName : payload.kind;
  } catch (error) {
    if (hasErrorCode(error, "E_VERSION_UNSUPPORTED")) return error.details.fallbackText ?? DEFAULT_FALLBACK_TEXT;
    throw error;
  }
}

describe("hasErrorCode narrows to the class the code belongs to", () => {
  it("a wire code gives a WireError with its typed details; another layer's code that layer's class", () => {
    const e: unknown = undefined;
    if (hasErrorCode(e, "E_VERSION_UNSUPPORTED")) {
      expectTypeOf(e).toExtend<WireError>();
      expectTypeOf(e.code).toEqualTypeOf<"E_VERSION_UNSUPPORTED">();
      expectTypeOf(e.details.fallbackText).toEqualTypeOf<string | undefined>();
      expectTypeOf(e.details.reason).toEqualTypeOf<"reader-too-old" | "writer-too-old" | undefined>();
      expectTypeOf(e.layer).toEqualTypeOf<"wire">();
    }
    if (hasErrorCode(e, "E_PEER_TOO_OLD")) {
      expectTypeOf(e).toExtend<NegotiationError>();
      expectTypeOf(e.layer).toEqualTypeOf<"negotiate">();
    }
    if (hasErrorCode(e, "E_STATE_LOCKED")) expectTypeOf(e).toExtend<StateError>();
    if (hasErrorCode(e, "E_NOT_A_CODE")) {
      expectTypeOf(e).toEqualTypeOf<CompatError<"E_NOT_A_CODE">>();
      expectTypeOf(e.details["anything"]).toEqualTypeOf<unknown>();
    }
  });

  it("answers as before at run time: a 0.1.0 reader shows what a 0.2.0 writer's file reference says to show instead", () => {
    const text = "Update Status to open this file.";
    const bytes = encodePayloadEnvelope({ kind: "file-reference", message: sampleReference }, { version: 2, fallbackText: text });
    expect([shown(bytes, profileFor(1).window), shown(bytes, profileFor(2).window)]).toEqual([text, sampleReference.fileName]);
    expect(hasErrorCode(new Error("E_VERSION_UNSUPPORTED"), "E_VERSION_UNSUPPORTED")).toBe(false);
  });
});
