/**
 * What a node says about itself on /peerid, /spr and /debug/info: a libp2p peer ID of the shape a
 * Codex node has (Ed25519 key inlined in an identity multihash, `12D3KooW…`), a signed peer record
 * URI (`spr:…`) and loopback addresses. Random per server; nothing dials them.
 */
import { randomBytes } from "node:crypto";
import { base58btc } from "multiformats/bases/base58";
import { base64url } from "multiformats/bases/base64";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";

const IDENTITY = 0x00;
const SHA2_256 = 0x12;
const LIBP2P_KEY = 0x72;

export interface NodeIdentity {
  readonly peerId: string;
  readonly spr: string;
  /** libp2p listen addresses (loopback only). */
  readonly addrs: readonly string[];
  /** Discovery (DHT) node ID, hex. */
  readonly nodeId: string;
  /** Discovery UDP endpoint, `host:port`. */
  readonly discoveryAddress: string;
}

export function createNodeIdentity(): NodeIdentity {
  // protobuf PublicKey{Type: Ed25519 (1), Data: 32 bytes}, inlined whole (it is under 42 bytes).
  const publicKey = Buffer.concat([Buffer.of(0x08, 0x01, 0x12, 0x20), randomBytes(32)]);
  const peerId = base58btc.encode(Digest.create(IDENTITY, publicKey).bytes).slice(1);
  // An SPR is a signed libp2p envelope; its inner bytes are never read by a client, only passed on.
  const spr = `spr:${base64url.encode(Buffer.concat([publicKey, randomBytes(96)])).slice(1)}`;
  return {
    peerId,
    spr,
    addrs: ["/ip4/127.0.0.1/tcp/8070"],
    nodeId: randomBytes(32).toString("hex"),
    discoveryAddress: "127.0.0.1:8090",
  };
}

/**
 * libp2p's `PeerId.init(string)`: a base58btc multihash (identity or sha2-256), or a CIDv1 with
 * codec libp2p-key in any multibase.
 */
export function isPeerId(text: string): boolean {
  try {
    const digest = Digest.decode(base58btc.decode(`z${text}`));
    return digest.code === IDENTITY || digest.code === SHA2_256;
  } catch {
    return isLibp2pKeyCid(text);
  }
}

function isLibp2pKeyCid(text: string): boolean {
  try {
    const cid = CID.parse(text);
    return cid.version === 1 && cid.code === LIBP2P_KEY;
  } catch {
    return false;
  }
}
