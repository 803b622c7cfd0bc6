import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { BridgeError } from "../../src/bridge/bridge-error.js";
import { decodeWakuMessage, encodeWakuMessage } from "../../src/bridge/transports/waku-message.js";

const topic = fc.stringMatching(/^\/[a-z0-9]{1,8}\/[0-9]{1,3}\/[a-z0-9x]{1,20}\/[a-z0-9]{1,8}$/);

describe("the Waku message encoding the memory transport sends through", () => {
  test.prop([fc.uint8Array({ maxLength: 2048 }), topic, fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }), { nil: undefined })])(
    "decode(encode(message)) is the message, timestamp to the millisecond",
    (payload, contentTopic, timestampMs) => {
      const decoded = decodeWakuMessage(encodeWakuMessage({ payload, contentTopic, ...(timestampMs === undefined ? {} : { timestampMs }) }));
      expect(decoded).toEqual({ payload, contentTopic, ...(timestampMs === undefined ? {} : { timestampMs }) });
    },
  );

  test.prop([fc.uint8Array({ maxLength: 256 })])("any bytes decode to a message with a topic or are E_BRIDGE_UNREADABLE, never another error", (bytes) => {
    try {
      const decoded = decodeWakuMessage(bytes);
      expect(decoded.contentTopic.length).toBeGreaterThan(0);
    } catch (error) {
      expect(error).toBeInstanceOf(BridgeError);
      expect((error as BridgeError).code).toBe("E_BRIDGE_UNREADABLE");
    }
  });

  test.prop([fc.uint8Array({ minLength: 1, maxLength: 512 }), topic, fc.integer({ min: 1, max: 40 })])(
    "a message cut short anywhere is E_BRIDGE_UNREADABLE or a shorter valid message, never a crash",
    (payload, contentTopic, cut) => {
      const bytes = encodeWakuMessage({ payload, contentTopic, timestampMs: 1_700_000_000_000 });
      const short = bytes.subarray(0, Math.max(0, bytes.byteLength - cut));
      try {
        decodeWakuMessage(short);
      } catch (error) {
        expect((error as BridgeError).code).toBe("E_BRIDGE_UNREADABLE");
      }
    },
  );

  it("skips fields it does not use (meta, ephemeral), and refuses a topic that is not UTF-8", () => {
    const base = encodeWakuMessage({ payload: Uint8Array.of(1), contentTopic: "/a/1/b/c" });
    const withMeta = Uint8Array.from([...base, (11 << 3) | 2, 2, 9, 9, 0xf8, 0x01, 1]);
    expect(decodeWakuMessage(withMeta)).toEqual({ payload: Uint8Array.of(1), contentTopic: "/a/1/b/c" });
    const badTopic = Uint8Array.from([(2 << 3) | 2, 2, 0xff, 0xfe]);
    expect(() => decodeWakuMessage(badTopic)).toThrow(BridgeError);
  });
});
