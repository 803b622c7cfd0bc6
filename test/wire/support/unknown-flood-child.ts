/**
 * Child process for unknown-flood.test.ts: decodes a message made of tiny unknown fields (`x 00`,
 * two bytes each) under a small heap, and prints what the decoder answered as JSON.
 * argv: the path ("read" | "forward"), the payload kind, the number of input bytes, and "valid" to
 * start the input with a valid community description (the unknown fields are then all that is odd).
 */
import {
  decodeForForwarding,
  decodePayload,
  encodeSignedCommunityDescription,
  isWireError,
  type PayloadKind,
} from "../../../src/wire/index.js";

const [path, kind, size, valid] = process.argv.slice(2) as ["read" | "forward", PayloadKind, string, string | undefined];
let head: Uint8Array = new Uint8Array(0);
if (valid === "valid") {
  const communityId = new Uint8Array(33).fill(7);
  communityId[0] = 0x02;
  const description = { communityId, clock: 1, description: new Uint8Array(100).fill(1), signature: new Uint8Array(65).fill(9) };
  head = encodeSignedCommunityDescription(description, 3);
}
// An even number of bytes after the head: field 15, varint 0, unknown to every message of every version.
const bytes = new Uint8Array(Number(size) - ((Number(size) - head.length) % 2));
bytes.set(head, 0);
for (let i = head.length; i + 1 < bytes.length; i += 2) bytes[i] = 0x78;
try {
  if (path === "read") decodePayload(kind, bytes, 3);
  else decodeForForwarding(kind, bytes, { written: 3, reader: 3 });
  process.stdout.write(JSON.stringify({ ok: true }));
} catch (err) {
  process.stdout.write(JSON.stringify(isWireError(err) ? { code: err.code, field: err.details?.field } : { other: String(err) }));
}
