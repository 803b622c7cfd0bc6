import { CID } from "multiformats/cid";
import { base32 } from "multiformats/bases/base32";
import { base36 } from "multiformats/bases/base36";
import { base58btc } from "multiformats/bases/base58";
import * as Digest from "multiformats/hashes/digest";
import { describedValue } from "../errors/index.js";
import { StorageError } from "./storage-error.js";

/** multicodec `raw`: the bytes are the content, no framing. */
export const RAW_CODEC = 0x55;
/** multihash `sha2-256`. */
export const SHA2_256 = 0x12;
/** As the Codex backend's: a longer well-formed CID (an identity CID carrying its bytes) is one it reads, so not E_BAD_CID here. */
const MAX_CID_TEXT = 256;

/**
 * The CIDv1 (raw, sha2-256) of content with this digest, as base58btc text (`z…`): the local
 * store's block addresses and the client's cache keys (the CID of a file's plaintext).
 */
export function cidOfDigest(digest: Uint8Array): string {
  return CID.createV1(RAW_CODEC, Digest.create(SHA2_256, digest)).toString(base58btc);
}

/**
 * The sha2-256 digest (hex) a CID text addresses, undefined for a well-formed CID this store can
 * never hold (another codec or hash: it is simply not here), E_BAD_CID for text that is no CID.
 */
export function digestOfCid(text: unknown, operation: string): string | undefined {
  // Any CID text a Codex node reads (a CIDv0, base32, base36): it 404s what it does not hold, and a base32 spelling is the same CID.
  const cid = parse(text) ?? parseOtherText(text);
  if (cid === undefined) {
    throw new StorageError("E_BAD_CID", `Cannot ${operation}: ${describedValue(text)} is not a CID (expected CID text such as zb2r…).`, {
      details: { operation },
    });
  }
  return rawSha256(cid)?.toString("hex");
}

/** The 32-byte sha2-256 digest inside a CIDv1 raw sha2-256 CID text; undefined for anything else. */
export function rawSha256Digest(text: string): Buffer | undefined {
  const cid = parse(text);
  return cid === undefined ? undefined : rawSha256(cid);
}

/** The digest of a raw sha2-256 CID (the only kind this store names content by); undefined for another codec or hash. */
function rawSha256(cid: CID): Buffer | undefined {
  if (cid.code !== RAW_CODEC || cid.multihash.code !== SHA2_256 || cid.multihash.digest.byteLength !== 32) return undefined;
  return Buffer.from(cid.multihash.digest);
}

/** Whether `text` is a CID in base58btc text, of any codec or hash (a Codex manifest's as well as the local store's). */
export function isCidText(text: string): boolean {
  return parse(text) !== undefined;
}

/** A CIDv0 (`Qm…`) or a base32 (`b…`) / base36 (`k…`) CIDv1, only in its own encoding (the parser reads a stray character as some digit). */
function parseOtherText(text: unknown): CID | undefined {
  if (typeof text !== "string" || text.length < 2 || text.length > MAX_CID_TEXT) return undefined;
  const base = text[0] === "b" ? base32 : text[0] === "k" ? base36 : undefined;
  try {
    const cid = CID.parse(text, base);
    return (cid.version === 0 ? base58btc.baseEncode(cid.bytes) : base?.encode(cid.bytes)) === text ? cid : undefined;
  } catch {
    return undefined;
  }
}

function parse(text: unknown): CID | undefined {
  if (typeof text !== "string" || text.length < 2 || text.length > MAX_CID_TEXT || text[0] !== "z") return undefined;
  try {
    return CID.parse(text, base58btc);
  } catch {
    return undefined;
  }
}
