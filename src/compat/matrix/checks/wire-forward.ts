import { Buffer } from "node:buffer";
import { decodeForForwarding, decodePayload, encodePayload } from "../../../wire/index.js";
import { MATRIX_COLUMN_PROVES } from "../matrix-constants.js";
import type { MatrixCheck } from "../matrix-types.js";
import { kindsWritten, readsKind } from "../payload-kinds-of.js";
import { samplePayload, touchKnownField } from "../sample-payloads.js";

const SAMPLES_PER_KIND = 8;

/**
 * The reader relays what the writer wrote (decode with its own schema, change a field it knows,
 * re-encode), and a reader at the writer's version gets every field back: the ones the relay did
 * not know included. This is the path where a careless codec strips a newer peer's fields.
 */
export const wireForwardCheck: MatrixCheck = {
  column: "forward",
  proves: MATRIX_COLUMN_PROVES.forward,
  async run({ writer, reader }) {
    const problems: string[] = [];
    let relayed = 0;
    let unknownKept = 0;
    const kinds = kindsWritten(writer).filter((k) => readsKind(reader, k));
    for (const kind of kinds) {
      for (let i = 0; i < SAMPLES_PER_KIND; i++) {
        const original = samplePayload(kind, writer.protocol, `forward/${writer.protocol}/${kind}/${i}`);
        const bytes = encodePayload(kind, original as never, writer.protocol);
        // Passed on as received (a forward that changes nothing): the very bytes, unknown fields included.
        const untouched = decodeForForwarding(kind, bytes, { written: writer.protocol, reader: reader.protocol }).encode();
        if (!Buffer.from(untouched).equals(Buffer.from(bytes))) {
          problems.push(`${kind} sample ${i}: relayed untouched through protocol ${reader.protocol}, the bytes changed`);
          break;
        }
        const relay = decodeForForwarding(kind, bytes, { written: writer.protocol, reader: reader.protocol });
        touchKnownField(kind, relay.message);
        const out = relay.encode();
        // What the writer-version reader must get: the original with the relay's one edit.
        const expected = structuredClone(original);
        touchKnownField(kind, expected);
        const received = decodePayload(kind, out, writer.protocol);
        const got = encodePayload(kind, received as never, writer.protocol);
        const want = encodePayload(kind, expected as never, writer.protocol);
        if (!Buffer.from(got).equals(want)) {
          problems.push(`${kind} sample ${i}: fields lost or changed on the way through protocol ${reader.protocol}`);
          break;
        }
        relayed++;
        unknownKept += relay.unknownFields;
      }
    }
    if (problems.length > 0) return { status: "fail", detail: problems.join("; ") };
    return {
      status: "pass",
      detail: `${relayed} messages of ${kinds.length} kinds relayed${unknownKept > 0 ? `, ${unknownKept} unknown fields carried` : ""}, ${relayed} relayed untouched byte for byte`,
    };
  },
};
