/**
 * Content addressing modelled on a Codex node's upload path: the stream is cut into blocks
 * (64 KiB by default), each block is hashed with SHA-256, the block hashes form a Merkle tree whose
 * root is the `treeCid` (codec codex-root 0xCD03), and a small protobuf manifest (tree CID, block
 * size, dataset size, codecs, optional filename/mimetype) is hashed into the manifest CID (codec
 * codex-manifest 0xCD01, CIDv1, base58btc `zDvZ…`).
 *
 * The shape follows Codex (including its keyed pair hashing: sha256(left ‖ right ‖ key) with
 * bottom-layer/odd keys and a zero pad), but the bytes are not verified against a real node:
 * identical input gives an identical CID here, and a real node gives its own CIDs.
 */
import { createHash, type Hash } from "node:crypto";
import { CID } from "multiformats/cid";
import { base58btc } from "multiformats/bases/base58";
import { create as createDigest } from "multiformats/hashes/digest";
import { varint } from "../varint.js";

export const CODEX_MANIFEST_CODEC = 0xcd01;
export const CODEX_BLOCK_CODEC = 0xcd02;
export const CODEX_ROOT_CODEC = 0xcd03;
const SHA2_256 = 0x12;
export const DEFAULT_BLOCK_SIZE = 64 * 1024;

const KEY_NONE = 0;
const KEY_BOTTOM = 1;
const KEY_ODD = 2;
const KEY_ODD_BOTTOM = 3;
const ZERO = Buffer.alloc(32);

function compress(left: Buffer, right: Buffer, key: number): Buffer {
  return createHash("sha256").update(left).update(right).update(Buffer.of(key)).digest();
}

/** Root of the block-hash tree; pairs an odd node with zeros, keys the bottom layer apart. */
export function merkleRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) throw new Error("Empty leaves");
  let layer = [...leaves];
  let bottom = true;
  while (layer.length > 1 || bottom) {
    const next: Buffer[] = [];
    for (let i = 0; i < layer.length; i += 2) {
      const right = layer[i + 1];
      const odd = right === undefined;
      const key = bottom ? (odd ? KEY_ODD_BOTTOM : KEY_BOTTOM) : odd ? KEY_ODD : KEY_NONE;
      next.push(compress(layer[i] as Buffer, right ?? ZERO, key));
    }
    layer = next;
    bottom = false;
  }
  return layer[0] as Buffer;
}

function field(tag: number, wire: 0 | 2, payload: number | Uint8Array): number[] {
  const head = varint((tag << 3) | wire);
  if (typeof payload === "number") return [...head, ...varint(payload)];
  return [...head, ...varint(payload.byteLength), ...payload];
}

export interface ManifestFields {
  treeCid: CID;
  blockSize: number;
  datasetSize: number;
  filename?: string;
  mimetype?: string;
}

/** The manifest's protobuf bytes (field numbers as in Codex's manifest Header). */
export function encodeManifest(m: ManifestFields): Uint8Array {
  const bytes = [
    ...field(1, 2, m.treeCid.bytes),
    ...field(2, 0, m.blockSize),
    ...field(3, 0, m.datasetSize),
    ...field(4, 0, CODEX_BLOCK_CODEC),
    ...field(5, 0, SHA2_256),
    ...field(6, 0, 1),
    ...(m.filename === undefined ? [] : field(8, 2, Buffer.from(m.filename, "utf8"))),
    ...(m.mimetype === undefined ? [] : field(9, 2, Buffer.from(m.mimetype, "utf8"))),
  ];
  return Uint8Array.from(bytes);
}

function sha256Cid(codec: number, bytes: Uint8Array): CID {
  return CID.createV1(codec, createDigest(SHA2_256, createHash("sha256").update(bytes).digest()));
}

export function manifestCid(manifestBytes: Uint8Array): string {
  return sha256Cid(CODEX_MANIFEST_CODEC, manifestBytes).toString(base58btc);
}

export function treeCidOf(root: Buffer): CID {
  return CID.createV1(CODEX_ROOT_CODEC, createDigest(SHA2_256, root));
}

/** Hashes a stream block by block without holding more than one block's hash state. */
export class DatasetHasher {
  private readonly leaves: Buffer[] = [];
  private current: Hash | undefined;
  private inBlock = 0;
  size = 0;

  constructor(readonly blockSize = DEFAULT_BLOCK_SIZE) {}

  update(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.byteLength) {
      this.current ??= createHash("sha256");
      const take = Math.min(this.blockSize - this.inBlock, chunk.byteLength - offset);
      this.current.update(chunk.subarray(offset, offset + take));
      this.inBlock += take;
      offset += take;
      if (this.inBlock === this.blockSize) this.closeBlock();
    }
    this.size += chunk.byteLength;
  }

  get blocks(): number {
    return this.leaves.length + (this.inBlock > 0 ? 1 : 0);
  }

  /** Blocks closed so far (a partial last block closes at flush() or finish()). */
  get closedBlocks(): number {
    return this.leaves.length;
  }

  /** The hex SHA-256 of closed block `index`: what tells one block from another, as a node's block CID does. */
  blockKey(index: number): string {
    const leaf = this.leaves[index];
    if (leaf === undefined) throw new Error(`no block ${index}`);
    return leaf.toString("hex");
  }

  /** Closes a partial last block, as a node's chunker gives it at the end of the stream. */
  flush(): void {
    if (this.inBlock > 0) this.closeBlock();
  }

  /** The CID of closed block `index` (codec codex-block, base58btc), as a node names it. */
  blockCid(index: number): string {
    const leaf = this.leaves[Math.min(Math.max(index, 0), this.leaves.length - 1)];
    if (leaf === undefined) throw new Error("no blocks");
    return CID.createV1(CODEX_BLOCK_CODEC, createDigest(SHA2_256, leaf)).toString(base58btc);
  }

  /** The tree CID; throws "Empty leaves" for an empty stream, as a node does. */
  finish(): CID {
    this.flush();
    return treeCidOf(merkleRoot(this.leaves));
  }

  private closeBlock(): void {
    this.leaves.push((this.current as Hash).digest());
    this.current = undefined;
    this.inBlock = 0;
  }
}
