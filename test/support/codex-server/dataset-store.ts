/**
 * Where the test server keeps datasets: one file per tree CID in a directory (shared by manifests
 * of identical bytes, as a node shares blocks), manifests in memory.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { base58btc } from "multiformats/bases/base58";
import { DatasetHasher, encodeManifest, manifestCid } from "./dataset-hasher.js";

export interface StoredManifest {
  readonly cid: string;
  readonly treeCid: string;
  readonly datasetSize: number;
  readonly blockSize: number;
  readonly blocks: number;
  readonly manifestBytes: number;
  readonly filename?: string;
  readonly mimetype?: string;
}

export class QuotaExceeded extends Error {}

export class DatasetStore {
  private readonly manifests = new Map<string, StoredManifest>();
  private uploadCounter = 0;
  /** Bytes of uploads in progress (their new blocks so far) or past the quota check but not yet in `manifests`. */
  private committingBytes = 0;
  /** Data blocks held (hex SHA-256 → how many stored trees have it): a block a node has is not stored, or counted, again. */
  private readonly heldBlocks = new Map<string, number>();
  /** Each stored tree's block keys, to drop them with its last manifest. */
  private readonly treeBlocks = new Map<string, string[]>();

  constructor(
    readonly dir: string,
    readonly blockSize: number,
    readonly quotaMaxBytes: number,
  ) {}

  get(cid: string): StoredManifest | undefined {
    return this.manifests.get(cid);
  }

  list(): StoredManifest[] {
    return [...this.manifests.values()];
  }

  pathOf(m: StoredManifest): string {
    return join(this.dir, m.treeCid);
  }

  /** Bytes and blocks held, counting shared data once. */
  usage(): { usedBytes: number; totalBlocks: number } {
    const trees = new Map<string, StoredManifest>();
    let usedBytes = 0;
    let totalBlocks = 0;
    for (const m of this.manifests.values()) {
      usedBytes += m.manifestBytes;
      totalBlocks += 1;
      if (!trees.has(m.treeCid)) {
        trees.set(m.treeCid, m);
        usedBytes += m.datasetSize;
        totalBlocks += m.blocks;
      }
    }
    return { usedBytes, totalBlocks };
  }

  /**
   * Streams an upload to disk while hashing it. Rejects with Error("Empty leaves") for no bytes,
   * QuotaExceeded for an upload that does not fit, and the stream's own error when the client goes
   * away. Only new bytes count, as on a real node (nim-codex repostore `putBlock` skips a block it
   * has): a full store still accepts a dataset it holds.
   *
   * A node stores each block as the chunker cuts it (node.nim `store`) and fails at the first new
   * block that does not fit, without reading further: so does this, leaving the rest of `body`
   * unread (it is iterated by hand, never given up with return(), which on a request would destroy
   * its socket before the answer could go out). The caller answers, and its connection is closed.
   */
  async ingest(body: AsyncIterable<Buffer>, meta: { filename?: string; mimetype?: string }): Promise<StoredManifest> {
    const hasher = new DatasetHasher(this.blockSize);
    const partial = join(this.dir, `upload-${++this.uploadCounter}.part`);
    const out = createWriteStream(partial);
    // A write that fails while the body is awaited (the client gone, the folder removed at a
    // test's end) must not be an 'error' with no listener, the test process's uncaught error: it
    // is kept in out.errored and thrown below.
    out.on("error", () => {});
    let committed = 0;
    /** New bytes of this upload's data blocks, counted as each is stored, as a node counts them. */
    let stored = 0;
    const seen = new Set<string>();
    const admit = (index: number, bytes: number): void => {
      const key = hasher.blockKey(index);
      if (this.heldBlocks.has(key) || seen.has(key)) return;
      // The room at this block, not at the upload's start: uploads running alongside share the quota.
      const room = this.quotaMaxBytes - this.usage().usedBytes - this.committingBytes;
      if (bytes > room) throw this.refusal(hasher, index, bytes, 0, room);
      seen.add(key);
      stored += bytes;
      this.committingBytes += bytes;
      committed += bytes;
    };
    try {
      const iterator = body[Symbol.asyncIterator]();
      for (;;) {
        const step = await iterator.next();
        if (step.done === true) break;
        const chunk = step.value;
        const before = hasher.closedBlocks;
        hasher.update(chunk);
        for (let index = before; index < hasher.closedBlocks; index++) admit(index, this.blockSize);
        // A disk that failed stops the writing, not the reading: the body is drained, so the
        // client gets the node's 500 rather than a cut connection.
        if (out.errored) continue;
        if (!out.write(chunk)) await drainedOrClosed(out);
      }
      const lastBytes = hasher.size % this.blockSize;
      hasher.flush();
      if (lastBytes > 0) admit(hasher.closedBlocks - 1, lastBytes);
      if (out.errored) throw out.errored;
      out.end();
      await finished(out);
      const tree = hasher.finish();
      const manifestBytes = encodeManifest({ treeCid: tree, blockSize: this.blockSize, datasetSize: hasher.size, ...meta });
      const treeCid = tree.toString(base58btc);
      const treeHeld = this.list().some((held) => held.treeCid === treeCid);
      // The node stores the manifest as a block under the same quota (held too when filename and
      // mimetype are the same). The data counts as the dataset's size unless its tree is held.
      const manifestNew = this.manifests.has(manifestCid(manifestBytes)) ? 0 : manifestBytes.byteLength;
      const dataNew = treeHeld ? 0 : hasher.size;
      // The data blocks are in committingBytes already (those that were new): the room left for the rest.
      const roomNow = this.quotaMaxBytes - this.usage().usedBytes - this.committingBytes + stored;
      if (dataNew + manifestNew > roomNow) {
        // Data that fit block by block but not as a whole: blocks shared with other datasets (held
        // here as blocks, counted here per dataset). Left to the manifest's words unless the data alone does not fit.
        throw dataNew > roomNow ? this.refusal(hasher, hasher.closedBlocks - 1, dataNew, 0, roomNow) : this.refusal(hasher, -1, dataNew, manifestNew, roomNow);
      }
      this.committingBytes += dataNew + manifestNew - stored;
      committed += dataNew + manifestNew - stored;
      const m: StoredManifest = {
        cid: manifestCid(manifestBytes),
        treeCid,
        datasetSize: hasher.size,
        blockSize: this.blockSize,
        blocks: hasher.blocks,
        manifestBytes: manifestBytes.byteLength,
        ...meta,
      };
      const target = this.pathOf(m);
      const exists = await stat(target).then(
        () => true,
        () => false,
      );
      if (exists) await rm(partial, { force: true });
      else await rename(partial, target);
      if (!this.treeBlocks.has(treeCid)) {
        const keys = Array.from({ length: hasher.closedBlocks }, (_, index) => hasher.blockKey(index));
        this.treeBlocks.set(treeCid, keys);
        for (const key of keys) this.heldBlocks.set(key, (this.heldBlocks.get(key) ?? 0) + 1);
      }
      this.manifests.set(m.cid, m);
      return m;
    } catch (error) {
      out.destroy();
      await rm(partial, { force: true });
      throw error;
    } finally {
      this.committingBytes -= committed;
    }
  }

  /**
   * The node's words for an upload that does not fit (nim-codex node.nim `store`): a data block it
   * could not write is "Unable to store block <that block's CID>"; when the data fit and the manifest
   * block did not, storeManifest passes on the repo's own "Quota usage would exceed the limit. Used:
   * …, reserved: …, limit: …" (repostore `updateQuotaUsage`, used counting the blocks just written).
   */
  private refusal(hasher: DatasetHasher, block: number, dataBytes: number, manifestBytes: number, room: number): QuotaExceeded {
    if (dataBytes > room) return new QuotaExceeded(`Unable to store block ${hasher.blockCid(block)}`);
    const used = this.usage().usedBytes + this.committingBytes + manifestBytes;
    return new QuotaExceeded(`Quota usage would exceed the limit. Used: ${used}, reserved: 0, limit: ${this.quotaMaxBytes}`);
  }

  /** Removes a dataset; its data file goes when no other manifest shares it. Absent is fine. */
  async delete(cid: string): Promise<void> {
    const m = this.manifests.get(cid);
    if (m === undefined) return;
    this.manifests.delete(cid);
    const shared = [...this.manifests.values()].some((other) => other.treeCid === m.treeCid);
    if (shared) return;
    for (const key of this.treeBlocks.get(m.treeCid) ?? []) {
      const refs = (this.heldBlocks.get(key) ?? 1) - 1;
      if (refs > 0) this.heldBlocks.set(key, refs);
      else this.heldBlocks.delete(key);
    }
    this.treeBlocks.delete(m.treeCid);
    await rm(this.pathOf(m), { force: true });
  }
}

/** Resolves when `out` takes writes again, or is closed (a failed stream closes and never drains). */
function drainedOrClosed(out: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off("drain", done);
      out.off("close", done);
      resolve();
    };
    out.on("drain", done);
    out.on("close", done);
  });
}
