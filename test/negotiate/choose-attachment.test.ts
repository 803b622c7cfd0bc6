import { describe, expect, it } from "vitest";
import { chooseAttachment, groupAudience, INLINE_ATTACHMENT_MAX_BYTES, NegotiationError, peerAudience } from "../../src/negotiate/index.js";
import { profileFor } from "../../src/versions/index.js";
import { encodePayloadEnvelope } from "../../src/wire/index.js";

const v1 = profileFor(1).window;
const v2 = profileFor(2).window;
const v3 = profileFor(3).window;
const SMALL = 20 * 1024;
const LARGE = 5 * 1024 * 1024;

describe("chooseAttachment: how a file travels to an audience", () => {
  it("sends a FileReference whenever every member reads them, whatever the size", () => {
    for (const size of [1, SMALL, LARGE]) {
      expect(chooseAttachment(v3, peerAudience(v2), size)).toMatchObject({ kind: "file-reference", write: { version: 2, unreached: 0 } });
      expect(chooseAttachment(v2, groupAudience([v2, v3]), size)).toMatchObject({ kind: "file-reference", write: { unreached: 0 } });
    }
  });

  it("sends a small file inline when a 0.1.0 member cannot read FileReferences, and it reaches everyone", () => {
    const choice = chooseAttachment(v2, groupAudience([v1, v2, v3]), SMALL);
    expect(choice.kind).toBe("inline-attachment");
    expect(choice.write.unreached).toBe(0);
  });

  it("sends a large file as a FileReference anyway, with the fallback text for the members it does not reach", () => {
    const choice = chooseAttachment(v2, peerAudience(v1), LARGE);
    expect(choice).toMatchObject({ kind: "file-reference", write: { unreached: 1, fallbackText: "Update Status to open this file." } });
  });

  it("sends a large file as a FileReference anyway to a group split around the writer (0.1.0 and 0.3.0 members under 0.2.0)", () => {
    // A version-2 FileReference: the 0.3.0 member opens it (its window is 2..3), the 0.1.0 one shows the fallback text.
    const choice = chooseAttachment(v2, groupAudience([v1, v3]), LARGE);
    expect(choice).toMatchObject({
      kind: "file-reference",
      write: { version: 2, minReader: 2, unreached: 1, fallbackText: "Update Status to open this file." },
    });
    // The same as for the 0.1.0 member alone: adding a member who reads FileReferences must not stop the file.
    expect(chooseAttachment(v2, groupAudience([v1]), LARGE)).toMatchObject({ kind: "file-reference", write: { version: 2, unreached: 1 } });
    // A small file still goes inline, reaching all three.
    expect(chooseAttachment(v2, groupAudience([v1, v3]), SMALL)).toMatchObject({ kind: "inline-attachment", write: { unreached: 0 } });
  });

  it("keeps the inline limit inside one Waku envelope, and honours a lower one", () => {
    expect(chooseAttachment(v2, peerAudience(v1), INLINE_ATTACHMENT_MAX_BYTES).kind).toBe("inline-attachment");
    expect(chooseAttachment(v2, peerAudience(v1), INLINE_ATTACHMENT_MAX_BYTES + 1).kind).toBe("file-reference");
    expect(chooseAttachment(v2, peerAudience(v1), SMALL, { inlineMaxBytes: 1024 }).kind).toBe("file-reference");
  });

  it("never chooses inline for a file one Waku envelope cannot carry, whatever inlineMaxBytes asks", () => {
    const tooBig = 200 * 1024;
    const choice = chooseAttachment(v2, peerAudience(v1), tooBig, { inlineMaxBytes: 10 * 1024 * 1024 });
    expect(choice.kind).toBe("file-reference");
    // What inline would have meant: an envelope the wire refuses to write.
    const inline = { mime: "image/png", fileName: "photo.png", data: new Uint8Array(tooBig), thumbnail: new Uint8Array(0) };
    expect(() =>
      encodePayloadEnvelope({ kind: "inline-attachment", message: inline }, { version: 1, fallbackText: "Update Status to open this attachment." }),
    ).toThrow(expect.objectContaining({ code: "E_WIRE_TOO_LARGE" }));
  });

  it("lets a 0.1.0 writer send small files inline and refuses larger ones with E_PAYLOAD_NOT_WRITABLE", () => {
    expect(chooseAttachment(v1, peerAudience(v2), SMALL)).toMatchObject({ kind: "inline-attachment", write: { version: 1, unreached: 0 } });
    try {
      chooseAttachment(v1, peerAudience(v2), LARGE);
      expect.unreachable("a protocol-1 writer cannot send a large file");
    } catch (error) {
      expect(error).toBeInstanceOf(NegotiationError);
      expect((error as NegotiationError).code).toBe("E_PAYLOAD_NOT_WRITABLE");
    }
  });

  it("refuses an empty file, which no payload carries (inline data and plaintext_size are both required non-empty): a 0.1.0 writer was told 'a file-reference needs protocol 2 or newer', later writers were handed a FileReference that sharing then refuses", () => {
    for (const [self, audience] of [
      [v1, peerAudience(v1)],
      [v2, groupAudience([v1, v2])],
      [v3, peerAudience(v3)],
    ] as const) {
      let error: unknown;
      try {
        chooseAttachment(self, audience, 0);
      } catch (err) {
        error = err;
      }
      expect(error, `writer ${self.min}..${self.max}`).toBeInstanceOf(NegotiationError);
      expect((error as NegotiationError).code).toBe("E_PAYLOAD_NOT_WRITABLE");
      expect((error as NegotiationError).message).toMatch(/empty file/);
      expect((error as NegotiationError).details).toMatchObject({ sizeBytes: 0 });
    }
  });

  it("refuses sizes that are not byte counts", () => {
    expect(() => chooseAttachment(v3, peerAudience(v2), -1)).toThrow(NegotiationError);
    expect(() => chooseAttachment(v3, peerAudience(v2), Number.NaN)).toThrow(NegotiationError);
  });
});
