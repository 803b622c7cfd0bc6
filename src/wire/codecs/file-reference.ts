import type { CodecContext, MessageCodec } from "../codec-context.js";
import {
  checkBytesExact,
  checkCid,
  checkCount,
  checkFileName,
  checkMime,
  checkUint,
  invalidField,
  missingField,
} from "../field-checks.js";
import { CONTENT_KEY_BYTES, MAX_CHUNK_SIZE, MAX_PIECES, NONCE_PREFIX_BYTES, SHA256_BYTES } from "../limits.js";
import type { Encryption, FileReference, Piece } from "../messages.js";
import { bytesField, type PbObject } from "../raw-codec.js";
import { uint64ToNumber } from "../uint64.js";

const M = "FileReference";
const SAFE = Number.MAX_SAFE_INTEGER;

/** EncryptionScheme numbers; the view names schemes, the wire numbers them. */
const SCHEME_AES_256_GCM_STREAM = 1;

function checkEncryption(e: Encryption | undefined): void {
  if (e === undefined || e === null || typeof e !== "object") throw missingField(M, "encryption");
  if (e.scheme !== "aes-256-gcm-stream") {
    throw invalidField(M, "encryption.scheme", 'must be "aes-256-gcm-stream" (the only scheme of this protocol)');
  }
  checkBytesExact(e.key, CONTENT_KEY_BYTES, M, "encryption.key");
  checkBytesExact(e.noncePrefix, NONCE_PREFIX_BYTES, M, "encryption.noncePrefix");
  checkUint(e.chunkSize, 1, MAX_CHUNK_SIZE, M, "encryption.chunkSize");
}

/**
 * Pieces, and (when the version has them) each piece's index and offset: a version 3 writer sets
 * both, so they must say exactly what list order says (index = position, offset = sum of earlier
 * sizes). `fill` lets a writer leave them out and have them computed.
 */
function checkPieces(pieces: Piece[], withIndex: boolean, withOffset: boolean, fill: boolean): void {
  if (!Array.isArray(pieces)) throw missingField(M, "pieces");
  checkCount(pieces.length, 1, MAX_PIECES, M, "pieces");
  let offset = 0;
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i] as Piece;
    if (p === null || typeof p !== "object") throw invalidField(M, `pieces[${i}]`, "must be a Piece");
    checkCid(p.cid, true, M, `pieces[${i}].cid`);
    checkUint(p.size, 1, SAFE, M, `pieces[${i}].size`);
    checkBytesExact(p.sha256, SHA256_BYTES, M, `pieces[${i}].sha256`);
    if (withIndex && !(fill && p.index === undefined) && p.index !== i) {
      throw invalidField(M, `pieces[${i}].index`, `must equal the piece's position ${i}`, { expected: i });
    }
    if (withOffset && !(fill && p.offset === undefined) && p.offset !== offset) {
      throw invalidField(M, `pieces[${i}].offset`, `must equal the sum of earlier piece sizes (${offset})`, { expected: offset });
    }
    offset += p.size;
    if (offset > SAFE) throw invalidField(M, "pieces", `sizes add up past ${SAFE}`);
  }
}

function checkFileReference(v: FileReference, ctx: CodecContext, fill: boolean): void {
  checkPieces(v.pieces, ctx.has("Piece", "index"), ctx.has("Piece", "offset"), fill);
  checkEncryption(v.encryption);
  checkUint(v.plaintextSize, 1, SAFE, M, "plaintextSize");
  checkMime(v.mime, M, "mime");
  checkFileName(v.fileName, M, "fileName");
  checkBytesExact(v.plaintextSha256, SHA256_BYTES, M, "plaintextSha256");
  if (ctx.has(M, "uploadedAt") && !(fill && v.uploadedAt === undefined)) checkUint(v.uploadedAt, 0, SAFE, M, "uploadedAt");
  if (ctx.has(M, "expiresAt") && !(fill && v.expiresAt === undefined)) checkUint(v.expiresAt, 0, SAFE, M, "expiresAt");
}

function pieceView(pb: PbObject, i: number, withIndex: boolean, withOffset: boolean): Piece {
  const size = uint64ToNumber(pb.size, M, `pieces[${i}].size`);
  const piece: Piece = { cid: pb.cid as string, size, sha256: bytesField(pb.sha256) };
  if (withIndex) piece.index = pb.index as number;
  if (withOffset) piece.offset = uint64ToNumber(pb.offset, M, `pieces[${i}].offset`);
  return piece;
}

export const fileReferenceCodec: MessageCodec<FileReference> = {
  message: M,
  toView(pb, ctx) {
    const pbPieces = pb.pieces as PbObject[];
    // Counted before any piece is converted: the decoded list is bounded by the byte cap, the views are bounded here.
    checkCount(pbPieces.length, 1, MAX_PIECES, M, "pieces");
    const withIndex = ctx.has("Piece", "index");
    const withOffset = ctx.has("Piece", "offset");
    const pieces: Piece[] = new Array<Piece>(pbPieces.length);
    for (let i = 0; i < pbPieces.length; i++) pieces[i] = pieceView(pbPieces[i] as PbObject, i, withIndex, withOffset);
    const enc = pb.encryption as PbObject | null;
    if (enc === null || enc === undefined) throw missingField(M, "encryption");
    const scheme = enc.scheme as number;
    if (scheme === 0) throw missingField(M, "encryption.scheme");
    if (scheme !== SCHEME_AES_256_GCM_STREAM) {
      throw invalidField(M, "encryption.scheme", `is ${scheme}, a scheme this version does not know`, { scheme });
    }
    const view: FileReference = {
      pieces,
      encryption: {
        scheme: "aes-256-gcm-stream",
        key: bytesField(enc.key),
        noncePrefix: bytesField(enc.noncePrefix),
        chunkSize: enc.chunkSize as number,
      },
      plaintextSize: uint64ToNumber(pb.plaintextSize, M, "plaintextSize"),
      mime: pb.mime as string,
      fileName: pb.fileName as string,
      plaintextSha256: bytesField(pb.plaintextSha256),
    };
    if (ctx.has(M, "uploadedAt")) view.uploadedAt = uint64ToNumber(pb.uploadedAt, M, "uploadedAt");
    if (ctx.has(M, "expiresAt")) view.expiresAt = uint64ToNumber(pb.expiresAt, M, "expiresAt");
    checkFileReference(view, ctx, false);
    return view;
  },
  toPb(view, ctx) {
    checkFileReference(view, ctx, true);
    const withIndex = ctx.has("Piece", "index");
    const withOffset = ctx.has("Piece", "offset");
    let offset = 0;
    const pieces = view.pieces.map((p, i) => {
      const pb: PbObject = { cid: p.cid, size: p.size, sha256: p.sha256 };
      if (withIndex) pb.index = i;
      if (withOffset) pb.offset = offset;
      offset += p.size;
      return pb;
    });
    const e = view.encryption;
    const pb: PbObject = {
      pieces,
      encryption: { scheme: SCHEME_AES_256_GCM_STREAM, key: e.key, noncePrefix: e.noncePrefix, chunkSize: e.chunkSize },
      plaintextSize: view.plaintextSize,
      mime: view.mime,
      fileName: view.fileName,
      plaintextSha256: view.plaintextSha256,
    };
    if (ctx.has(M, "uploadedAt")) pb.uploadedAt = view.uploadedAt ?? 0;
    if (ctx.has(M, "expiresAt")) pb.expiresAt = view.expiresAt ?? 0;
    return pb;
  },
};
