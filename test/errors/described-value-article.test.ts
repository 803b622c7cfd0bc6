/**
 * describedValue names a typed array by its class. The article went by the first letter alone, so
 * the unsigned arrays, the bytes an app most often passes where a Uint8Array belongs, read
 * "got an Uint8ClampedArray", "got an Uint16Array" in the wire's messages.
 */
import { describe, expect, test } from "vitest";
import { describedValue } from "../../src/errors/index.js";

describe("describedValue's article", () => {
  test('"a" before a Uint… array, "an" before a vowel sound', () => {
    expect(describedValue(new Uint8ClampedArray(2))).toBe("a Uint8ClampedArray");
    expect(describedValue(new Uint16Array(2))).toBe("a Uint16Array");
    expect(describedValue(new BigUint64Array(1))).toBe("a BigUint64Array");
    expect(describedValue(new Int8Array(2))).toBe("an Int8Array");
    expect(describedValue(new ArrayBuffer(4))).toBe("an ArrayBuffer of 4 bytes");
    expect(describedValue(new Error("x"))).toBe("an Error");
    expect(describedValue({})).toBe("an object");
  });
});
