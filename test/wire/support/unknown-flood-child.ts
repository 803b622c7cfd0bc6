/**
 * Child process for unknown-flood.test.ts: decodes a message made only of tiny unknown fields
 * (`x 00`, two bytes each) under a small heap, and prints what the decoder answered as JSON.
 * argv: the path ("read" | "forward"), the payload kind, the number of input bytes.
 */
import { decodeForForwarding, decodePayload, isWireError, type PayloadKind } from "../../../src/wire/index.js";

const [path, kind, size] = process.argv.slice(2) as ["read" | "forward", PayloadKind, string];
const bytes = new Uint8Array(Number(size));
// Field 15, varint 0: unknown to every message of every version, and no required field is set.
for (let i = 0; i + 1 < bytes.length; i += 2) bytes[i] = 0x78;
try {
  if (path === "read") decodePayload(kind, bytes, 3);
  else decodeForForwarding(kind, bytes, { written: 3, reader: 3 });
  process.stdout.write(JSON.stringify({ ok: true }));
} catch (err) {
  process.stdout.write(JSON.stringify(isWireError(err) ? { code: err.code, field: err.details?.field } : { other: String(err) }));
}
