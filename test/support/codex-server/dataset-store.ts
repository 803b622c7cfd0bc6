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
  /** Bytes of uploads past the quota check but not yet in `manifests` (renaming their file). */
  private committingBytes = 0;

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
   * QuotaExceeded when the bytes it does not hold yet do not fit (after draining the body), and the
   * stream's own error when the client goes away. Only new bytes count, as on a real node (nim-codex
   * repostore `putBlock` skips a block it has): a full store still accepts a dataset it holds.
   */
  async ingest(body: AsyncIterable<Buffer>, meta: { filename?: string; mimetype?: string }): Promise<StoredManifest> {
    const hasher = new DatasetHasher(this.blockSize);
    const partial = join(this.dir, `upload-${++this.uploadCounter}.part`);
    const out = createWriteStream(partial);
    // A write that fails while the body is awaited (the client gone, the folder removed at a
    // test's end) must not be an 'error' with no listener, the test process's uncaught error: it
    // is kept in out.errored and thrown below.
    out.on("error", () => {});
    const room = this.quotaMaxBytes - this.usage().usedBytes;
    let overQuota = false;
    let committed = 0;
    try {
      for await (const chunk of body) {
        hasher.update(chunk);
        if (hasher.size > room) overQuota = true;
        // A disk that failed stops the writing, not the reading: the body is drained, as past the
        // quota, so the client gets the node's 500 rather than a cut connection.
        if (overQuota || out.errored) continue;
        if (!out.write(chunk)) await drainedOrClosed(out);
      }
      if (out.errored) throw out.errored;
      out.end();
      await finished(out);
      const tree = hasher.finish();
      const manifestBytes = encodeManifest({ treeCid: tree, blockSize: this.blockSize, datasetSize: hasher.size, ...meta });
      const treeHeld = this.list().some((held) => held.treeCid === tree.toString(base58btc));
      // Past the room the data stopped being written, so it must already be held to be accepted;
      // then only its manifest may be new (held too when filename and mimetype are the same). The
      // node stores the manifest as a block under the same quota.
      const manifestNew = this.manifests.has(manifestCid(manifestBytes)) ? 0 : manifestBytes.byteLength;
      const newBytes = treeHeld ? manifestNew : hasher.size + manifestNew;
      // The room now, not at the start: uploads that ran alongside this one share the quota, as
      // a node counts each block when it stores it.
      const roomNow = this.quotaMaxBytes - this.usage().usedBytes - this.committingBytes;
      if ((overQuota && !treeHeld) || newBytes > roomNow) throw this.refusal(hasher, treeHeld ? 0 : hasher.size, manifestNew, roomNow);
      this.committingBytes += newBytes;
      committed = newBytes;
      const m: StoredManifest = {
        cid: manifestCid(manifestBytes),
        treeCid: tree.toString(base58btc),
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
  private refusal(hasher: DatasetHasher, dataBytes: number, manifestBytes: number, room: number): QuotaExceeded {
    if (dataBytes > room) return new QuotaExceeded(`Unable to store block ${hasher.blockCid(Math.floor(Math.max(room, 0) / this.blockSize))}`);
    const used = this.usage().usedBytes + this.committingBytes + dataBytes + manifestBytes;
    return new QuotaExceeded(`Quota usage would exceed the limit. Used: ${used}, reserved: 0, limit: ${this.quotaMaxBytes}`);
  }

  /** Removes a dataset; its data file goes when no other manifest shares it. Absent is fine. */
  async delete(cid: string): Promise<void> {
    const m = this.manifests.get(cid);
    if (m === undefined) return;
    this.manifests.delete(cid);
    const shared = [...this.manifests.values()].some((other) => other.treeCid === m.treeCid);
    if (!shared) await rm(this.pathOf(m), { force: true });
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
