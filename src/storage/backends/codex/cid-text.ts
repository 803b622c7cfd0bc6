import { CID } from "multiformats/cid";
import type { MultibaseEncoder } from "multiformats/bases/interface";
import { base32 } from "multiformats/bases/base32";
import { base36 } from "multiformats/bases/base36";
import { base58btc } from "multiformats/bases/base58";
import { identity } from "multiformats/hashes/identity";
import { describedValue } from "../../../errors/index.js";
import { StorageError } from "../../storage-error.js";

/** Longer strings are not CIDs a node would hand out; refusing them early keeps URLs sane. */
const MAX_CID_TEXT = 256;
const RAW_CODEC = 0x55;
const IDENTITY_HASH = 0x00;

/**
 * The CID of zero bytes. A Codex node cannot store an empty dataset (its Merkle tree refuses
 * "Empty leaves" with HTTP 500), so empty content is addressed by an identity CID that carries
 * its (empty) bytes inside itself and never touches the node.
 */
export const EMPTY_CONTENT_CID = CID.createV1(RAW_CODEC, identity.digest(new Uint8Array(0))).toString();

/** The bases CID.parse reads, by their multibase prefix. */
const BASE_OF_PREFIX: Readonly<Record<string, MultibaseEncoder<string>>> = { z: base58btc, b: base32, k: base36 };

/**
 * The parsed CID, or undefined when `text` is not one. Only text that is the CID's own encoding in
 * its base counts: CID.parse also decodes text that is none (a character outside the alphabet, such
 * as the U+FFFD a flipped byte decodes to, is read as some digit), which would reach a URL path as
 * a raw TypeError, or be taken from a mangled upload answer as the piece's CID.
 */
export function parseCid(text: string): CID | undefined {
  if (text.length === 0 || text.length > MAX_CID_TEXT) return undefined;
  let cid: CID;
  try {
    cid = CID.parse(text);
  } catch {
    return undefined;
  }
  // Encoded again from the bytes (cid.toString() would give back the text it was parsed from).
  const base = BASE_OF_PREFIX[text[0] as string];
  const canonical = cid.version === 0 ? base58btc.baseEncode(cid.bytes) : base === undefined ? undefined : base.encode(cid.bytes);
  return canonical === text ? cid : undefined;
}

/** Validates a caller's CID before it goes into a URL path; E_BAD_CID otherwise. */
export function requireCid(text: unknown, operation: string): CID {
  const cid = typeof text === "string" ? parseCid(text) : undefined;
  if (cid === undefined) {
    throw new StorageError("E_BAD_CID", `Cannot ${operation}: ${describedValue(text)} is not a CID (expected a multibase CID such as zDvZ…).`, {
      details: { operation },
    });
  }
  return cid;
}

/** Bytes carried inside an identity CID (content that never needs the node), else undefined. */
export function inlineContent(cid: CID): Uint8Array | undefined {
  return cid.multihash.code === IDENTITY_HASH ? cid.multihash.digest : undefined;
}
