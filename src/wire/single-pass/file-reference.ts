import { isCidAt } from "../cid-syntax.js";
import { isFileName, isMime } from "../field-checks.js";
import { CONTENT_KEY_BYTES, MAX_CHUNK_SIZE, MAX_PIECES, NONCE_PREFIX_BYTES, SHA256_BYTES } from "../limits.js";
import type { Encryption, FileReference, Piece } from "../messages.js";
import { SKIP, VIEW, type ReadPlan } from "./read-plan.js";
import type { WireReader } from "./wire-reader.js";

const SAFE = Number.MAX_SAFE_INTEGER;
/** EncryptionScheme AES_256_GCM_STREAM, the only scheme. */
const AES_256_GCM_STREAM = 1;

/**
 * One piece, at list position `position` after pieces totalling `offset` bytes, or undefined when
 * anything about it is off. Tags are READ_FIELDS.Piece's (number << 3 | wire type).
 */
function readPiece(r: WireReader, end: number, plan: ReadPlan, position: number, offset: number): Piece | undefined {
  let cidStart = 0;
  let cidEnd = 0;
  let size = 0;
  let sha256: Uint8Array | undefined;
  let index = 0;
  let pieceOffset = 0;
  let seen = 0; // the singular fields that came already (WireReader.once)
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case 0x0a: // cid, bytes: checked where it lies, made a string only when valid
        seen = r.once(seen, tag);
        cidEnd = r.delimitedEnd(end);
        cidStart = r.pos;
        r.pos = cidEnd;
        break;
      case 0x10:
        seen = r.once(seen, tag);
        size = r.uint64(end);
        break;
      case 0x1a:
        seen = r.once(seen, tag);
        sha256 = r.bytes(end);
        break;
      case 0x20:
        if (plan.pieceIndex === SKIP) r.skip(tag, end);
        else {
          seen = r.once(seen, tag);
          index = r.uint32(end);
        }
        break;
      case 0x28:
        if (plan.pieceOffset === SKIP) r.skip(tag, end);
        else {
          seen = r.once(seen, tag);
          pieceOffset = r.uint64(end);
        }
        break;
      default:
        r.skip(tag, end);
    }
  }
  if (
    r.failed ||
    size < 1 || // 0 is missing, -1 above 2^53
    sha256 === undefined ||
    sha256.length !== SHA256_BYTES ||
    !isCidAt(r.buf, cidStart, cidEnd) ||
    (plan.pieceIndex === VIEW && index !== position) ||
    (plan.pieceOffset === VIEW && pieceOffset !== offset)
  ) {
    return undefined;
  }
  const piece: Piece = { cid: r.asciiAt(cidStart, cidEnd), size, sha256 };
  if (plan.pieceIndex === VIEW) piece.index = index;
  if (plan.pieceOffset === VIEW) piece.offset = pieceOffset;
  return piece;
}

function readEncryption(r: WireReader, end: number): Encryption | undefined {
  let scheme = 0;
  let key: Uint8Array | undefined;
  let noncePrefix: Uint8Array | undefined;
  let chunkSize = 0;
  let seen = 0; // the singular fields that came already (WireReader.once)
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case 0x08:
        seen = r.once(seen, tag);
        scheme = r.uint32(end) | 0; // an enum is an int32
        break;
      case 0x12:
        seen = r.once(seen, tag);
        key = r.bytes(end);
        break;
      case 0x1a:
        seen = r.once(seen, tag);
        noncePrefix = r.bytes(end);
        break;
      case 0x20:
        seen = r.once(seen, tag);
        chunkSize = r.uint32(end);
        break;
      default:
        r.skip(tag, end);
    }
  }
  if (
    r.failed ||
    scheme !== AES_256_GCM_STREAM ||
    key === undefined ||
    key.length !== CONTENT_KEY_BYTES ||
    noncePrefix === undefined ||
    noncePrefix.length !== NONCE_PREFIX_BYTES ||
    chunkSize < 1 ||
    chunkSize > MAX_CHUNK_SIZE
  ) {
    return undefined;
  }
  return { scheme: "aes-256-gcm-stream", key, noncePrefix, chunkSize };
}

/**
 * A FileReference from `r.pos` to `end`, validated as the reflection path validates it (see
 * codecs/file-reference.ts), or undefined when the reflection path must decide.
 */
export function readFileReference(r: WireReader, end: number, plan: ReadPlan): FileReference | undefined {
  const pieces: Piece[] = [];
  let offset = 0;
  let encryption: Encryption | undefined;
  let plaintextSize = 0;
  let mime = "";
  let fileName = "";
  let plaintextSha256: Uint8Array | undefined;
  let uploadedAt = 0;
  let expiresAt = 0;
  let seen = 0; // the singular fields that came already (WireReader.once)
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case 0x0a: {
        // Counted as they come: no list past the cap is built.
        if (pieces.length === MAX_PIECES) return undefined;
        const pieceEnd = r.delimitedEnd(end);
        const piece = readPiece(r, pieceEnd, plan, pieces.length, offset);
        if (piece === undefined) return undefined;
        offset += piece.size;
        if (offset > SAFE) return undefined;
        pieces.push(piece);
        break;
      }
      case 0x12: {
        // protobufjs merges a repeated message field into the first; that is left to it.
        if (encryption !== undefined) return undefined;
        encryption = readEncryption(r, r.delimitedEnd(end));
        if (encryption === undefined) return undefined;
        break;
      }
      case 0x18:
        seen = r.once(seen, tag);
        plaintextSize = r.uint64(end);
        break;
      case 0x22:
        seen = r.once(seen, tag);
        mime = r.string(end);
        break;
      case 0x2a:
        seen = r.once(seen, tag);
        fileName = r.string(end);
        break;
      case 0x32:
        seen = r.once(seen, tag);
        plaintextSha256 = r.bytes(end);
        break;
      case 0x38:
        if (plan.uploadedAt === SKIP) r.skip(tag, end);
        else {
          seen = r.once(seen, tag);
          uploadedAt = r.uint64(end);
        }
        break;
      case 0x40:
        if (plan.expiresAt === SKIP) r.skip(tag, end);
        else {
          seen = r.once(seen, tag);
          expiresAt = r.uint64(end);
        }
        break;
      default:
        r.skip(tag, end);
    }
  }
  if (
    r.failed ||
    pieces.length === 0 ||
    encryption === undefined ||
    plaintextSize < 1 ||
    plaintextSha256 === undefined ||
    plaintextSha256.length !== SHA256_BYTES ||
    !isMime(mime) ||
    !isFileName(fileName) ||
    (plan.uploadedAt === VIEW && uploadedAt < 0) ||
    (plan.expiresAt === VIEW && expiresAt < 0)
  ) {
    return undefined;
  }
  const view: FileReference = { pieces, encryption, plaintextSize, mime, fileName, plaintextSha256 };
  if (plan.uploadedAt === VIEW) view.uploadedAt = uploadedAt;
  if (plan.expiresAt === VIEW) view.expiresAt = expiresAt;
  return view;
}
