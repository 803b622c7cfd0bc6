import { describe, expect, it } from "vitest";
import { chooseWriteVersion, NegotiationError, PAYLOAD_FEATURE, type NegotiatedPayloadKind, type VersionRange } from "../../src/negotiate/index.js";
import { profileFor } from "../../src/versions/index.js";
import { encodeEnvelope, minReaderFor, openEnvelope, WireError } from "../../src/wire/index.js";

const windows = [1, 2, 3].map((p) => profileFor(p).window);
const kinds = Object.keys(PAYLOAD_FEATURE) as NegotiatedPayloadKind[];

/** Every audience of one or two members drawn from the real profiles (and unknown). */
function audiences(): Array<Array<VersionRange | undefined>> {
  const choices: Array<VersionRange | undefined> = [...windows, undefined];
  const out: Array<Array<VersionRange | undefined>> = choices.map((m) => [m]);
  for (const a of choices) for (const b of choices) out.push([a, b]);
  return out;
}

/** Whether a reader with `window` opens the envelope, by src/wire's own openEnvelope. */
function opens(bytes: Uint8Array, window: VersionRange, fallbackText: string): boolean {
  try {
    openEnvelope(bytes, window);
    return true;
  } catch (error) {
    if (!(error instanceof WireError)) throw error;
    if (error.code !== "E_VERSION_UNSUPPORTED") return true; // opened; the placeholder payload is what failed
    expect(error.details["fallbackText"]).toBe(fallbackText);
    return false;
  }
}

describe("negotiation agrees with the wire's envelope rules", () => {
  it("writes envelopes the wire encodes, with the wire's default minReader, opened by exactly the members it counts as reached", () => {
    let checked = 0;
    for (const writer of windows) {
      for (const members of audiences()) {
        for (const payload of kinds) {
          let choice;
          try {
            choice = chooseWriteVersion(writer, { kind: "group", members }, { payload, outsiders: "fallback" });
          } catch (error) {
            expect((error as NegotiationError).code).toBe("E_PAYLOAD_NOT_WRITABLE");
            continue;
          }
          expect(choice.minReader).toBe(minReaderFor(payload, choice.version));
          const bytes = encodeEnvelope({
            version: choice.version,
            minReader: choice.minReader,
            type: payload,
            payload: new Uint8Array([0x0a, 0x00]),
            fallbackText: choice.fallbackText,
            sender: { minVersion: writer.min, maxVersion: writer.max, features: [] },
          });
          const assumed = profileFor(Math.max(writer.min, writer.max - 1)).window;
          const unreached = members.filter((m) => !opens(bytes, m ?? assumed, choice.fallbackText)).length;
          expect({ writer, members, payload, unreached }).toEqual({ writer, members, payload, unreached: choice.unreached });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(200);
  });
});
