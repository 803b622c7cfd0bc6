import { describe, expect, it } from "vitest";
import * as pkg from "../../src/index.js";

describe("GENERIC_FALLBACK_TEXT, the deprecated name of DEFAULT_FALLBACK_TEXT", () => {
  it("stays exported from the package root with the same text (an embedder of the previous release imports it)", () => {
    expect(pkg.GENERIC_FALLBACK_TEXT).toBe(pkg.DEFAULT_FALLBACK_TEXT);
    expect(pkg.DEFAULT_FALLBACK_TEXT).toBe("Update Status to open this message.");
  });

  it("is what chooseWriteVersion gives without a payload kind, the text a reader shows for an envelope without one", () => {
    const window = pkg.profileFor(3).window;
    expect(pkg.chooseWriteVersion(window, pkg.peerAudience(window)).fallbackText).toBe(pkg.DEFAULT_FALLBACK_TEXT);
  });
});
