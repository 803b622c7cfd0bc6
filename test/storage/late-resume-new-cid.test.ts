/**
 * An upload resumed so late that its journaled pieces' TTL is due stores them again. When the
 * store now answers another CID for the same bytes (a Codex node upgraded meanwhile, whose
 * manifest records more), the reference must carry the CID that was just stored, not the old
 * one, which expires within days while the journal and the reference call it fresh.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { BackendCallOptions, GetOptions, GetResult, PutOptions, SpaceInfo, StorageBackend } from "../../src/storage/backend.js";
import { cidOfDigest } from "../../src/storage/content-id.js";
import type { ShareResult } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { fileSha256, localStore, sha256Hex, startClient, writeRandomFile, SMALL_PIECES } from "./support/client-fixture.js";
import { tempDir } from "../support/temp-dir.js";

const DAY = 24 * 60 * 60 * 1000;

/**
 * A store whose CIDs depend on its build: after upgrade() the same bytes get another CID, and
 * content stored only under an old one is gone (its TTL ran out). Puts fail when failPut says so.
 */
class UpgradableStore implements StorageBackend {
  readonly kind = "codex";
  readonly location = "upgradable (test)";
  private build = 1;
  /** CID this store answered → [build, CID in the inner store]. */
  private readonly names = new Map<string, [number, string]>();
  failPut: (() => boolean) | undefined;
  constructor(private readonly inner: StorageBackend) {}

  upgrade(): void {
    this.build++;
  }

  async put(body: Uint8Array | AsyncIterable<Uint8Array>, options?: PutOptions): Promise<string> {
    if (this.failPut?.() === true) throw new StorageError("E_BACKEND_REJECTED", "refused (test)");
    const innerCid = await this.inner.put(body, options);
    const cid = this.build === 1 ? innerCid : cidOfDigest(createHash("sha256").update(`build ${this.build}:${innerCid}`).digest());
    this.names.set(cid, [this.build, innerCid]);
    return cid;
  }

  private live(cid: string): string {
    const name = this.names.get(cid);
    if (name === undefined || name[0] !== this.build) throw new StorageError("E_NOT_FOUND", `no ${cid} (test)`);
    return name[1];
  }

  async get(cid: string, options?: GetOptions): Promise<GetResult> {
    return this.inner.get(this.live(cid), options);
  }

  async has(cid: string, options?: BackendCallOptions): Promise<boolean> {
    try {
      return await this.inner.has(this.live(cid), options);
    } catch {
      return false;
    }
  }

  delete(cid: string, options?: BackendCallOptions): Promise<void> {
    return this.inner.delete(this.live(cid), options);
  }

  space(options?: BackendCallOptions): Promise<SpaceInfo> {
    return this.inner.space(options);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe("an upload resumed after its stored pieces' TTL came due", () => {
  test("whose store now names the same bytes with another CID, gives a reference to the CIDs just stored", async () => {
    const dir = tempDir();
    const store = new UpgradableStore(localStore(join(dir, "store")));
    let now = Date.UTC(2026, 0, 1);
    const { client } = await startClient({ dir, backend: store, piecesInFlight: 1, clock: { now: () => now }, retry: { maxAttempts: 1 } });
    const { path, bytes } = writeRandomFile(dir, "clip.mp4", 6 * SMALL_PIECES.pieceSize);
    let puts = 0;
    store.failPut = () => ++puts > 3;
    const job = client.share({ path });
    await expect(job.done).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });
    // Weeks later: the pieces stored then are due, and the node was upgraded meanwhile.
    now += 29 * DAY;
    store.upgrade();
    store.failPut = undefined;
    const { reference } = (await client.retry(job.id).done) as ShareResult;
    const out = join(dir, "out.mp4");
    await client.fetch(reference, { out }).done;
    expect(fileSha256(out)).toBe(sha256Hex(bytes));
  });
});
