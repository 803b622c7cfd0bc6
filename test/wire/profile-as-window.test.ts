/**
 * README's receive path is `openEnvelope(received, me.window)` with `me = profileFor(3)`; passing
 * `me` itself (the profile, not its window) is the slip a JavaScript app makes, and the same for the
 * writer's range in negotiation. Both said only "[undefined, undefined] is not a version range".
 */
import { describe, expect, it } from "vitest";
import { chooseWriteVersion, NegotiationError, peerAudience } from "../../src/negotiate/index.js";
import { profileFor } from "../../src/versions/index.js";
import { WireError, encodeFileReference, encodeEnvelope, openEnvelope } from "../../src/wire/index.js";
import { thrown } from "../support/thrown.js";
import { sampleReference } from "./support/sample-reference.js";

const me = profileFor(3);

describe("a profile passed where its window belongs", () => {
  it("openEnvelope: E_VERSION_UNSUPPORTED saying to pass profile.window", () => {
    const bytes = encodeEnvelope({ version: 3, type: "file-reference", payload: encodeFileReference(sampleReference, 3), fallbackText: "" });
    const error = thrown(() => openEnvelope(bytes, me as never));
    expect(error, String(error)).toBeInstanceOf(WireError);
    expect((error as WireError).code).toBe("E_VERSION_UNSUPPORTED");
    expect((error as WireError).message).toContain("(a ProtocolProfile: pass its window, profile.window)");
  });

  it("chooseWriteVersion: E_RANGE_INVALID saying the same of the writer", () => {
    const error = thrown(() => chooseWriteVersion(me as never, peerAudience(me.window)));
    expect(error, String(error)).toBeInstanceOf(NegotiationError);
    expect((error as NegotiationError).code).toBe("E_RANGE_INVALID");
    expect((error as NegotiationError).message).toContain("the writer has version range [undefined, undefined] (a ProtocolProfile: pass its window, profile.window)");
  });
});
