/**
 * A CID in a path, parsed as a node parses it: presto's decodeString for Cid (nim-codex
 * `codex/rest/coders.nim`) calls nim-libp2p's `Cid.init`, and every way that fails on a string is
 * CidError.Incorrect, answered 400 "Incorrect Cid" (coders.nim's "Unsupported Cid" and "Overrun
 * Cid" are never reached from text). Beyond multiformats' own parsing, libp2p refuses:
 * - a CIDv1 whose codec is not among its content IDs (libp2p's ContentIdsList plus Codex's
 *   `contentids_exts.nim`), where multiformats takes any codec;
 * - a CIDv0 other than its bare 46-character `Qm…` text: a multibase string that decodes to a
 *   CIDv0's bytes (first byte 0x12) is refused.
 * (It also checks the multihash against its own table; the hashes here are all sha2-256.)
 */
import { CID } from "multiformats/cid";

/** nim-libp2p `cid.nim` ContentIdsList, by multicodec code. */
const LIBP2P_CONTENT_IDS = [
  0x55, // raw
  0x70, // dag-pb
  0x71, // dag-cbor
  0x0129, // dag-json
  0x72, // libp2p-key
  0x78, // git-raw
  0x90, // eth-block
  0x91, // eth-block-list
  0x92, // eth-tx-trie
  0x93, // eth-tx
  0x94, // eth-tx-receipt-trie
  0x95, // eth-tx-receipt
  0x96, // eth-state-trie
  0x97, // eth-account-snapshot
  0x98, // eth-storage-trie
  0xb0, // bitcoin-block
  0xb1, // bitcoin-tx
  0xc0, // zcash-block
  0xc1, // zcash-tx
  0xd0, // stellar-block
  0xd1, // stellar-tx
  0xe0, // decred-block
  0xe1, // decred-tx
  0xf0, // dash-block
  0xf1, // dash-tx
  0x7b, // torrent-info
  0x7c, // torrent-file
  0xed, // ed25519-pub
];

/** nim-codex `codex/contentids_exts.nim`: codex-manifest, -block, -root, -slot-root, -proving-root, -slot-cell. */
const CODEX_CONTENT_IDS = [0xcd01, 0xcd02, 0xcd03, 0xcd04, 0xcd05, 0xcd06];

const CONTENT_IDS: ReadonlySet<number> = new Set([...LIBP2P_CONTENT_IDS, ...CODEX_CONTENT_IDS]);

/** The CID as the node takes it, or undefined when the node answers 400 "Incorrect Cid". */
export function parseNodeCid(text: string): CID | undefined {
  let cid: CID;
  try {
    cid = CID.parse(text);
  } catch {
    return undefined;
  }
  if (cid.version === 0) return text.length === 46 && text.startsWith("Qm") ? cid : undefined;
  return CONTENT_IDS.has(cid.code) ? cid : undefined;
}
