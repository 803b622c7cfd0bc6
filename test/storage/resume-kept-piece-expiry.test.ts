import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { BackendCallOptions, GetOptions, GetResult, PutOptions } from "../../src/storage/backend.js";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, KiB, SMALL_PIECES, fileSha256, localStore, writeRandomFile } from "./support/client-fixture.js";
import { ForwardingBackend } from "./support/forwarding-backend.js";

const DAY = 24 * 60 * 60 * 1000;
const TTL = 30 * DAY;

/**
 * A store that keeps each block `TTL` after its last put, as a Codex node does (repostore
 * storeBlock: max(old, now + ttl)), on the test's clock, and then has it no more. `holdAt`: the
 * put that many puts from now waits until `release()` (a session ended mid-upload).
 */
class TtlStore extends ForwardingBackend {
  readonly expiries = new Map<string, number>();
  private held: { after: number; reached: () => void; opened: Promise<void> } | undefined;
  private releaseHeld: (() => void) | undefined;

  constructor(
    inner: ForwardingBackend["inner"],
    private readonly clock: { t: number },
    location: string,
  ) {
    super(inner, { location });
  }

  /** Resolves once the put `after` puts from now waits; release() lets it go on. */
  holdAt(after: number): Promise<void> {
    return new Promise((reached) => {
      this.held = { after, reached, opened: new Promise((open) => (this.releaseHeld = open)) };
    });
  }

  release(): void {
    this.releaseHeld?.();
    this.held = undefined;
  }

  override async put(body: Uint8Array | AsyncIterable<Uint8Array>, options?: PutOptions): Promise<string> {
    const held = this.held;
    if (held !== undefined && held.after-- === 0) {
      held.reached();
      await held.opened;
    }
    options?.signal?.throwIfAborted();
    const cid = await this.inner.put(body, options);
    this.expiries.set(cid, Math.max(this.expiries.get(cid) ?? 0, this.clock.t + TTL));
    return cid;
  }

  private live(cid: string): boolean {
    return (this.expiries.get(cid) ?? 0) > this.clock.t;
  }

  override async has(cid: string, options?: BackendCallOptions): Promise<boolean> {
    return this.live(cid) && (await this.inner.has(cid, options));
  }

  override async get(cid: string, options?: GetOptions): Promise<GetResult> {
    if (!this.live(cid)) throw new StorageError("E_NOT_FOUND", `${cid} expired on ${this.location} (test)`);
    return this.inner.get(cid, options);
  }
}

/**
 * An upload resumed on another store keeps the pieces that store says it holds, with the upload
 * time the journal has for them. That time is when the *previous* store took them: the store now at
 * hand may hold them from an earlier run of the same upload (the application went from node B to
 * node A and back), and drops them a TTL after that earlier time. Journaled at the later time, the
 * pieces were renewed after they were gone: the file lost for every receiver while status() said
 * available, and retain() took back a reference whose pieces were gone.
 */
describe("an upload resumed on a store that held some of its pieces from an earlier run", () => {
  test("the kept pieces' expiry is no later than that store's: renewed before it drops them, the file still fetchable a TTL after the first run", async () => {
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const b = new TtlStore(localStore(join(dir, "store-b")), clock, "node-b");
    const a = new TtlStore(localStore(join(dir, "store-a")), clock, "node-a");
    const base: Omit<StorageClientOptions, "backend"> = {
      protocol: 3,
      statePath: join(dir, "s.sqlite"),
      dataDir: join(dir, "d"),
      renewEveryMs: 0,
      retry: FAST_RETRY,
      ...SMALL_PIECES,
      piecesInFlight: 1,
      clock: { now: () => clock.t },
    };
    const { path } = writeRandomFile(dir, "f.bin", 320 * KiB);
    const start = clock.t;

    // Run 1 on B: pieces 0-2 stored there at `start`, then the session ends.
    const first = await StorageClient.open({ ...base, backend: b });
    const held1 = b.holdAt(3);
    const job = first.share({ path });
    await held1;
    const stopping1 = first.stop();
    b.release();
    await stopping1;

    // Run 2 on A, ten days later: A lacks them, so they are sent again (journaled at day 10), and pieces 3-4 too; the session ends.
    clock.t = start + 10 * DAY;
    const second = await StorageClient.open({ ...base, backend: a });
    const held2 = a.holdAt(5);
    await held2;
    const stopping2 = second.stop();
    a.release();
    await stopping2;

    // Run 3 on B again, at day 12: B still holds pieces 0-2 (from day 0), lacks 3-4 (on A) and the rest.
    clock.t = start + 12 * DAY;
    const third = await StorageClient.open({ ...base, backend: b });
    try {
      const shared = (await third.job(job.id).done) as { reference: Uint8Array; view: { expiresAt?: number; pieces: { cid: string }[] } };
      const firstOnB = Math.min(...shared.view.pieces.map((p) => (b.expiries.get(p.cid) as number) - TTL));
      expect(firstOnB, "B holds pieces from the first run").toBe(start);
      // What the client says of the file may not outlast what B keeps.
      const bDrops = Math.min(...shared.view.pieces.map((p) => b.expiries.get(p.cid) as number));
      expect((shared.view.expiresAt as number) * 1000, "the reference's expiresAt").toBeLessThanOrEqual(bDrops);
      expect((await third.status(shared.reference)).expiresAt, "status() expiresAt").toBeLessThanOrEqual(bDrops);

      // A renewal run inside the margin of what B keeps (day 28): every piece stays on B.
      clock.t = start + 28 * DAY;
      const report = await third.renewDue();
      expect(report.failed).toEqual([]);
      clock.t = start + TTL + 1;
      const out = join(dir, "copy.bin");
      await third.fetch(shared.reference, { out }).done;
      expect(fileSha256(out)).toBe(fileSha256(path));
    } finally {
      await third.stop();
    }
  });
});
