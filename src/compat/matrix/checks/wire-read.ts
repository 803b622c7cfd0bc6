import { Buffer } from "node:buffer";
import { chooseWriteVersion, peerAudience, type WriteChoice } from "../../../negotiate/index.js";
import { encodePayload, encodePayloadEnvelope, isWireError, openEnvelope, type Payload } from "../../../wire/index.js";
import type { ProtocolProfile } from "../../../versions/index.js";
import { MATRIX_COLUMN_PROVES } from "../matrix-constants.js";
import type { MatrixCheck } from "../matrix-types.js";
import { kindsWritten, promisedToOpen } from "../payload-kinds-of.js";
import { samplePayload } from "../sample-payloads.js";
import type { NegotiatedPayloadKind } from "../../../negotiate/index.js";

const SAMPLES_PER_KIND = 8;

/**
 * Envelopes the writer sends (at the negotiated version) open at the reader with every field the
 * reader knows equal to what was sent; a kind the reader lacks opens as the fallback text.
 * Equality is checked on the reader's own encoding of both, which covers every field it knows.
 * A newer writer also sends at its own version, as it writes to a peer of its own release (what a
 * peer does whose idea of this reader's capabilities is stale: the user went back a release): the
 * reader must open every such envelope of a kind it knows (promisedToOpen: an N reader opens N+1),
 * and show the fallback text for the others.
 */
export const wireReadCheck: MatrixCheck = {
  column: "wire",
  proves: MATRIX_COLUMN_PROVES.wire,
  async run({ writer, reader }) {
    const problems: string[] = [];
    let opened = 0;
    let fallbacks = 0;
    let stale = 0;
    for (const kind of kindsWritten(writer)) {
      const choice = chooseWriteVersion(writer.window, peerAudience(reader.window), { payload: kind, release: writer.release });
      const sends: { choice: WriteChoice; label: string }[] = [{ choice, label: "" }];
      if (choice.version !== writer.protocol) {
        // The writer's own choice for a peer of its release: its min_reader too, as the app sends it.
        const own = chooseWriteVersion(writer.window, peerAudience(writer.window), { payload: kind, release: writer.release });
        sends.push({ choice: own, label: ` at v${own.version}` });
      }
      for (const { choice: send, label } of sends) {
        for (let i = 0; i < SAMPLES_PER_KIND; i++) {
          const message = samplePayload(kind, send.version, `wire/${writer.protocol}/${kind}/${send.version}/${i}`);
          const bytes = encodePayloadEnvelope({ kind, message } as Payload, {
            version: send.version,
            minReader: send.minReader,
            fallbackText: send.fallbackText,
            sender: { minVersion: writer.window.min, maxVersion: writer.window.max, features: [] },
          });
          const outcome = openAtReader(kind, message, bytes, send.version, reader, send.fallbackText);
          if (outcome !== "opened" && outcome !== "fallback") {
            problems.push(`${kind}${label} sample ${i}: ${outcome}`);
            break;
          }
          if (outcome === "fallback") fallbacks++;
          else if (label === "") opened++;
          else stale++;
        }
      }
    }
    if (problems.length > 0) return { status: "fail", detail: problems.join("; ") };
    const parts = [`${opened} envelopes opened intact`];
    if (stale > 0) parts.push(`${stale} at v${writer.protocol} (stale capabilities) opened intact`);
    if (fallbacks > 0) parts.push(`${fallbacks} showed the fallback text`);
    return { status: "pass", detail: parts.join(", ") };
  },
};

/** "opened" or "fallback" as the project promises it must be, else what went wrong. */
function openAtReader(
  kind: NegotiatedPayloadKind,
  message: unknown,
  bytes: Uint8Array,
  version: number,
  reader: ProtocolProfile,
  fallbackText: string,
): "opened" | "fallback" | string {
  const readable = promisedToOpen(reader, kind, version);
  try {
    const { payload, envelope } = openEnvelope(bytes, reader.window);
    if (!readable) return "opened by a reader the readability rule keeps out";
    const got = encodePayload(kind, payload.message as never, reader.protocol);
    const want = encodePayload(kind, message as never, reader.protocol);
    if (payload.kind !== kind || envelope.version !== version || !Buffer.from(got).equals(want)) return "fields differ after the reader opened it";
    return "opened";
  } catch (error) {
    if (!readable && isWireError(error) && error.details["fallbackText"] === fallbackText) return "fallback";
    return `${isWireError(error) ? `${error.code}: ${error.message}` : String(error)}${readable ? ` (release ${reader.release.release} reads ${kind} and protocol ${version} is at most one past its own: docs/wire.md's rule admits it)` : ""}`;
  }
}
