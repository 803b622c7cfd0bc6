import { asciiBytes, asciiText } from "../ascii-fields.js";
import { isCidBytes, isCidSyntax } from "../cid-syntax.js";
import type { CodecContext, MessageCodec } from "../codec-context.js";
import {
  checkBytesExact,
  checkBytesOptional,
  checkCid,
  checkCidBytes,
  checkCount,
  checkFileName,
  checkMime,
  checkUint,
  invalidField,
  isBytesOf,
  isUintIn,
  missingField,
  unknownEnumValue,
} from "../field-checks.js";
import { CONTENT_KEY_BYTES, MAX_CHUNK_SIZE, MAX_PIECES, NONCE_PREFIX_BYTES, SHA256_BYTES } from "../limits.js";
import type { Encryption, FileReference, Piece } from "../messages.js";
import { bytesField, type PbObject } from "../raw-codec.js";
import { safeUint64, uint64TooLarge, uint64ToNumber } from "../uint64.js";

const M = "FileReference";
const SAFE = Number.MAX_SAFE_INTEGER;

/** EncryptionScheme numbers; the view names schemes, the wire numbers them. */
const SCHEME_AES_256_GCM_STREAM = 1;
const UINT32 = 0xffff_ffff;

/** Whether `ctx` is a node's own schema handling bytes a newer version wrote (forwarding them). */
function newerWriter(ctx: CodecContext): boolean {
  return ctx.written > ctx.schema.version;
}

/**
 * An encryption a newer writer made with a scheme this version does not know, carried by a node
 * that forwards it: only what protobufjs needs to write it back is checked, since this version
 * cannot know that scheme's key or nonce lengths. Anything else (a writer of this version, or a
 * relay of its own or an older version's message) is refused: no node invents such a scheme.
 */
function checkNewerScheme(e: Encryption, ctx: CodecContext): void {
  const n = e.newerScheme;
  if (!newerWriter(ctx)) {
    throw invalidField(M, "encryption.newerScheme", `is set, but protocol ${ctx.written} has no scheme but "aes-256-gcm-stream" (only a forwarded newer message carries another)`);
  }
  if (typeof n !== "number" || !Number.isInteger(n) || n === 0 || n === SCHEME_AES_256_GCM_STREAM || n < -0x8000_0000 || n > 0x7fff_ffff) {
    throw invalidField(M, "encryption.newerScheme", "must be the number of a scheme this version does not know (an int32, not 0 or 1)");
  }
  checkBytesOptional(e.key, M, "encryption.key");
  checkBytesOptional(e.noncePrefix, M, "encryption.noncePrefix");
  checkUint(e.chunkSize, 0, UINT32, M, "encryption.chunkSize");
}

function checkEncryption(e: Encryption | undefined, ctx: CodecContext): void {
  if (e === undefined || e === null || typeof e !== "object") throw missingField(M, "encryption");
  if (e.newerScheme !== undefined) {
    checkNewerScheme(e, ctx);
    return;
  }
  if (e.scheme !== "aes-256-gcm-stream") {
    throw invalidField(M, "encryption.scheme", 'must be "aes-256-gcm-stream" (the only scheme of this protocol)');
  }
  checkBytesExact(e.key, CONTENT_KEY_BYTES, M, "encryption.key");
  checkBytesExact(e.noncePrefix, NONCE_PREFIX_BYTES, M, "encryption.noncePrefix");
  checkUint(e.chunkSize, 1, MAX_CHUNK_SIZE, M, "encryption.chunkSize");
}

/** Which version-dependent fields a context has, asked once per context rather than per message. */
interface Layout {
  readonly withIndex: boolean;
  readonly withOffset: boolean;
  readonly withUploadedAt: boolean;
  readonly withExpiresAt: boolean;
}

const layouts = new WeakMap<CodecContext, Layout>();

function layoutOf(ctx: CodecContext): Layout {
  let layout = layouts.get(ctx);
  if (layout === undefined) {
    layout = Object.freeze({
      withIndex: ctx.has("Piece", "index"),
      withOffset: ctx.has("Piece", "offset"),
      withUploadedAt: ctx.has(M, "uploadedAt"),
      withExpiresAt: ctx.has(M, "expiresAt"),
    });
    layouts.set(ctx, layout);
  }
  return layout;
}

/** How pieces are checked: which position fields the version has, and what the caller already did. */
interface PieceRules {
  readonly withIndex: boolean;
  readonly withOffset: boolean;
  /** A writer may leave index and offset out; they are then computed from list order. */
  readonly fill: boolean;
  /** The reader checked every CID on its bytes already. */
  readonly cidsChecked: boolean;
}

/**
 * One piece, allocation-free. A version 3 writer sets index and offset, so they must say exactly
 * what list order says (index = position, offset = sum of earlier sizes).
 */
function pieceOk(p: Piece, i: number, offset: number, r: PieceRules): boolean {
  return (
    p !== null &&
    typeof p === "object" &&
    (r.cidsChecked || (typeof p.cid === "string" && isCidSyntax(p.cid))) &&
    isUintIn(p.size, 1, SAFE) &&
    isBytesOf(p.sha256, SHA256_BYTES) &&
    (!r.withIndex || p.index === i || (r.fill && p.index === undefined)) &&
    (!r.withOffset || p.offset === offset || (r.fill && p.offset === undefined))
  );
}

/** The slow path of pieceOk, only taken when it said no: throws naming the field. */
function pieceProblem(p: Piece, i: number, offset: number, r: PieceRules): never {
  const at = `pieces[${i}]`;
  if (p === null || typeof p !== "object") throw invalidField(M, at, "must be a Piece");
  checkCid(p.cid, true, M, `${at}.cid`);
  checkUint(p.size, 1, SAFE, M, `${at}.size`);
  checkBytesExact(p.sha256, SHA256_BYTES, M, `${at}.sha256`);
  if (r.withIndex && !(r.fill && p.index === undefined) && p.index !== i) {
    throw invalidField(M, `${at}.index`, `must equal the piece's position ${i}`, { expected: i });
  }
  throw invalidField(M, `${at}.offset`, `must equal the sum of earlier piece sizes (${offset})`, { expected: offset });
}

function checkPieces(pieces: Piece[], rules: PieceRules): void {
  if (!Array.isArray(pieces)) throw missingField(M, "pieces");
  checkCount(pieces.length, 1, MAX_PIECES, M, "pieces");
  let offset = 0;
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i] as Piece;
    if (!pieceOk(p, i, offset, rules)) pieceProblem(p, i, offset, rules);
    offset += p.size;
    if (offset > SAFE) throw invalidField(M, "pieces", `sizes add up past ${SAFE}`);
  }
}

function checkFileReference(v: FileReference, ctx: CodecContext, layout: Layout, fill: boolean, cidsChecked: boolean): void {
  checkPieces(v.pieces, { withIndex: layout.withIndex, withOffset: layout.withOffset, fill, cidsChecked });
  checkEncryption(v.encryption, ctx);
  checkUint(v.plaintextSize, 1, SAFE, M, "plaintextSize");
  checkMime(v.mime, M, "mime");
  checkFileName(v.fileName, M, "fileName");
  checkBytesExact(v.plaintextSha256, SHA256_BYTES, M, "plaintextSha256");
  if (layout.withUploadedAt && !(fill && v.uploadedAt === undefined)) checkUint(v.uploadedAt, 0, SAFE, M, "uploadedAt");
  if (layout.withExpiresAt && !(fill && v.expiresAt === undefined)) checkUint(v.expiresAt, 0, SAFE, M, "expiresAt");
}

/** A decoded piece as a view; its CID is checked on its bytes before it becomes a string. */
function pieceView(pb: PbObject, i: number, withIndex: boolean, withOffset: boolean): Piece {
  const cidBytes = bytesField(pb.cid);
  if (!isCidBytes(cidBytes)) checkCidBytes(cidBytes, true, M, `pieces[${i}].cid`);
  const size = safeUint64(pb.size);
  if (size < 0) uint64TooLarge(M, `pieces[${i}].size`);
  const piece: Piece = { cid: asciiText(cidBytes), size, sha256: bytesField(pb.sha256) };
  if (withIndex) piece.index = pb.index as number;
  if (withOffset) {
    piece.offset = safeUint64(pb.offset);
    if (piece.offset < 0) uint64TooLarge(M, `pieces[${i}].offset`);
  }
  return piece;
}

export const fileReferenceCodec: MessageCodec<FileReference> = {
  message: M,
  toView(pb, ctx, options) {
    const pbPieces = pb.pieces as PbObject[];
    // Counted before any piece is converted: the decoded list is bounded by the byte cap, the views here.
    checkCount(pbPieces.length, 1, MAX_PIECES, M, "pieces");
    const layout = layoutOf(ctx);
    const { withIndex, withOffset } = layout;
    const pieces: Piece[] = new Array<Piece>(pbPieces.length);
    for (let i = 0; i < pbPieces.length; i++) pieces[i] = pieceView(pbPieces[i] as PbObject, i, withIndex, withOffset);
    const enc = pb.encryption as PbObject | null;
    if (enc === null || enc === undefined) throw missingField(M, "encryption");
    const scheme = enc.scheme as number;
    if (scheme === 0) throw missingField(M, "encryption.scheme");
    // A newer writer's scheme is passed on by a node that forwards its message (a peer never blocks
    // what a newer peer added); a read, or a writer of this version or older, refuses it.
    const carried = scheme !== SCHEME_AES_256_GCM_STREAM && options?.forwarding === true && newerWriter(ctx);
    if (scheme !== SCHEME_AES_256_GCM_STREAM && !carried) {
      throw unknownEnumValue(M, "encryption.scheme", `is ${scheme}, a scheme this version does not know`, { scheme });
    }
    const encryption: Encryption = {
      scheme: "aes-256-gcm-stream",
      key: bytesField(enc.key),
      noncePrefix: bytesField(enc.noncePrefix),
      chunkSize: enc.chunkSize as number,
    };
    if (carried) encryption.newerScheme = scheme;
    const view: FileReference = {
      pieces,
      encryption,
      plaintextSize: uint64ToNumber(pb.plaintextSize, M, "plaintextSize"),
      mime: pb.mime as string,
      fileName: pb.fileName as string,
      plaintextSha256: bytesField(pb.plaintextSha256),
    };
    if (layout.withUploadedAt) view.uploadedAt = uint64ToNumber(pb.uploadedAt, M, "uploadedAt");
    if (layout.withExpiresAt) view.expiresAt = uint64ToNumber(pb.expiresAt, M, "expiresAt");
    checkFileReference(view, ctx, layout, false, true);
    return view;
  },
  toPb(view, ctx) {
    const layout = layoutOf(ctx);
    checkFileReference(view, ctx, layout, true, false);
    const { withIndex, withOffset } = layout;
    let offset = 0;
    const pieces = view.pieces.map((p, i) => {
      const pb: PbObject = { cid: asciiBytes(p.cid), size: p.size, sha256: p.sha256 };
      if (withIndex) pb.index = i;
      if (withOffset) pb.offset = offset;
      offset += p.size;
      return pb;
    });
    const e = view.encryption;
    const pb: PbObject = {
      pieces,
      encryption: { scheme: e.newerScheme ?? SCHEME_AES_256_GCM_STREAM, key: e.key, noncePrefix: e.noncePrefix, chunkSize: e.chunkSize },
      plaintextSize: view.plaintextSize,
      mime: view.mime,
      fileName: view.fileName,
      plaintextSha256: view.plaintextSha256,
    };
    if (layout.withUploadedAt) pb.uploadedAt = view.uploadedAt ?? 0;
    if (layout.withExpiresAt) pb.expiresAt = view.expiresAt ?? 0;
    return pb;
  },
};
