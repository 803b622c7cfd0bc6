import { Buffer } from "node:buffer";
import { chooseWriteVersion, peerAudience } from "../../../negotiate/index.js";
import { encodePayload, encodePayloadEnvelope, isWireError, openEnvelope, type Payload } from "../../../wire/index.js";
import type { MatrixCheck } from "../matrix-types.js";
import { kindsWritten, readsKind } from "../payload-kinds-of.js";
import { samplePayload } from "../sample-payloads.js";

const SAMPLES_PER_KIND = 8;

/**
 * Envelopes the writer sends (at the negotiated version) open at the reader with every field the
 * reader knows equal to what was sent; a kind the reader lacks opens as the fallback text.
 * Equality is checked on the reader's own encoding of both, which covers every field it knows.
 */
export const wireReadCheck: MatrixCheck = {
  column: "wire",
  proves: "envelopes the writer sends open at the reader with every known field intact; kinds it lacks show the fallback text",
  async run({ writer, reader }) {
    const problems: string[] = [];
    let opened = 0;
    let fallbacks = 0;
    for (const kind of kindsWritten(writer)) {
      const choice = chooseWriteVersion(writer.window, peerAudience(reader.window), { payload: kind });
      for (let i = 0; i < SAMPLES_PER_KIND; i++) {
        const message = samplePayload(kind, choice.version, `wire/${writer.protocol}/${kind}/${i}`);
        const bytes = encodePayloadEnvelope({ kind, message } as Payload, {
          version: choice.version,
          minReader: choice.minReader,
          fallbackText: choice.fallbackText,
          sender: { minVersion: writer.window.min, maxVersion: writer.window.max, features: [] },
        });
        try {
          const { payload, envelope } = openEnvelope(bytes, reader.window);
          if (!readsKind(reader, kind)) {
            problems.push(`${kind}: opened by a reader that does not read the kind`);
            break;
          }
          const got = encodePayload(kind, payload.message as never, reader.protocol);
          const want = encodePayload(kind, message as never, reader.protocol);
          if (payload.kind !== kind || envelope.version !== choice.version || !Buffer.from(got).equals(want)) {
            problems.push(`${kind} sample ${i}: fields differ after the reader opened it`);
            break;
          }
          opened++;
        } catch (error) {
          const expected = !readsKind(reader, kind) && isWireError(error) && error.details["fallbackText"] === choice.fallbackText;
          if (!expected) {
            problems.push(`${kind} sample ${i}: ${isWireError(error) ? `${error.code}: ${error.message}` : String(error)}`);
            break;
          }
          fallbacks++;
        }
      }
    }
    if (problems.length > 0) return { status: "fail", detail: problems.join("; ") };
    return { status: "pass", detail: `${opened} envelopes opened intact${fallbacks > 0 ? `, ${fallbacks} showed the fallback text` : ""}` };
  },
};
