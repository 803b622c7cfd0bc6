import { join } from "node:path";

/**
 * Where the store keeps things under its directory. Files are named by the digest in hex, not by
 * the CID text: base58 is case-sensitive and would collide on case-insensitive file systems.
 */
export class BlockPaths {
  constructor(readonly root: string) {}

  get blocks(): string {
    return join(this.root, "blocks");
  }

  get incoming(): string {
    return join(this.root, "incoming");
  }

  shard(digestHex: string): string {
    return join(this.blocks, digestHex.slice(0, 2));
  }

  block(digestHex: string): string {
    return join(this.shard(digestHex), digestHex);
  }
}
