/**
 * A download into the cache waited, its deadline paused, for any other download of the same content
 * (the same plaintext sha256 and size), whatever reference that one came by. Anyone who knows a
 * file's sha256 and size could send a reference to it whose pieces hang, and the real reference to
 * that file, fetched after it, waited for the hanging one's deadline (30 minutes by default); an
 * honest reference whose only node is offline held up a good one alike. Now a download waits only
 * for a download of the same reference (the same pieces, key and sizes); references of the same
 * content run side by side, each with its own room under the quota, and the first whose whole file
 * verifies places the cache file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import type { GetOptions, GetResult } from "../../src/storage/backend.js";
import { StorageError, type FetchResult } from "../../src/storage/index.js";
import { decodeFileReference } from "../../src/wire/index.js";
import { gate } from "../support/gate.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "../support/until.js";
import { FAST_RETRY, KiB, localStore, SMALL_PIECES, startClient, writeRandomFile } from "./support/client-fixture.js";
import { ForwardingBackend } from "./support/forwarding-backend.js";
import { onDisk } from "./support/folder-files.js";

const SIZE = 7 * SMALL_PIECES.pieceSize;
const PIECES = 7;

/** A store where the pieces of chosen references hang (a node that never answers for them) until the test lets them go, or the get's own signal ends it. */
class HangingPieces extends ForwardingBackend {
  readonly hanging = new Set<string>();
  /** Gets that reached the hang. */
  hung = 0;
  /** Gets of other pieces. */
  served = 0;
  private readonly released = gate();

  override async get(cid: string, options?: GetOptions): Promise<GetResult> {
    if (this.hanging.has(cid)) {
      this.hung++;
      await new Promise<void>((resolve, reject) => {
        const signal = options?.signal;
        if (signal?.aborted === true) return reject(signal.reason);
        signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
        void this.released.wait.then(resolve);
      });
    } else {
      this.served++;
    }
    return this.inner.get(cid, options);
  }

  release(): void {
    this.released.open();
  }
}

/** One file shared twice (each share its own key: two references of the same content); the first reference's pieces hang at the receiver's store. */
async function setup() {
  const dir = tempDir("scc-same-content-hang-");
  const store = localStore(join(dir, "store"));
  const sender = await startClient({ dir, backend: store });
  const file = writeRandomFile(dir, "photo.jpg", SIZE);
  const hangingRef = (await sender.client.share({ path: file.path }).done).reference;
  const goodRef = (await sender.client.share({ path: file.path }).done).reference;
  await sender.client.stop();
  const backend = new HangingPieces(store);
  for (const piece of decodeFileReference(hangingRef, 3).pieces) backend.hanging.add(piece.cid);
  // A hang as long as the default job deadline: the hanging download ends only when the test ends it.
  const retry = { ...FAST_RETRY, attemptTimeoutMs: 30 * 60_000, deadlineMs: 30 * 60_000 };
  const receiver = await startClient({ dir: tempDir("scc-same-content-hang-rx-"), backend, piecesInFlight: 1, quotaBytes: 1024 * KiB, retry });
  // Registered after the client's stop, so run before it: a get held in the hang does not wait for the stop.
  onTestFinished(() => backend.release());
  return { file, hangingRef, goodRef, backend, receiver };
}

describe("two references of the same content into the cache, the first one's pieces hanging", () => {
  test("the good one is fetched and served while the hanging one still hangs; a cancel of that one leaves the one cached file", async () => {
    const { file, hangingRef, goodRef, backend, receiver } = await setup();
    const cache = join(receiver.dataDir, "cache");
    const hanging = receiver.client.fetch(hangingRef);
    const hangingEnd = hanging.done.catch((error: unknown) => error);
    await until(() => backend.hung > 0, "the hanging reference's first get");
    const good = await receiver.client.fetch(goodRef).done;
    expect(good.fromCache).toBe(false);
    expect(readFileSync(good.path).equals(file.bytes)).toBe(true);
    expect(backend.served, "pieces fetched for the good reference").toBe(PIECES);
    expect(receiver.client.job(hanging.id).state, "the hanging one, still on its first piece").toBe("downloading");
    receiver.client.cancel(hanging.id);
    expect(((await hangingEnd) as StorageError).code).toBe("E_ABORTED");
    expect(onDisk(cache)).toEqual({ parts: 0, bytes: SIZE });
    expect(readFileSync(good.path).equals(file.bytes)).toBe(true);
    expect(receiver.client.usage()).toMatchObject({ usedBytes: SIZE, reservedBytes: 0, partialBytes: 0 });
  });

  test("both references good: they run side by side, each with its own room, and both end on the one verified cache file", async () => {
    const { file, hangingRef, goodRef, backend, receiver } = await setup();
    const cache = join(receiver.dataDir, "cache");
    const first = receiver.client.fetch(hangingRef);
    await until(() => backend.hung > 0, "the first reference's first get");
    const second = await receiver.client.fetch(goodRef).done;
    // The first still holds its room (the second's is counted as its file now): the quota bounds both temp files.
    expect(receiver.client.usage()).toMatchObject({ usedBytes: SIZE, reservedBytes: SIZE });
    backend.release();
    const firstDone: FetchResult = await first.done;
    expect(firstDone).toMatchObject({ path: second.path, size: SIZE });
    expect(readFileSync(second.path).equals(file.bytes)).toBe(true);
    expect(onDisk(cache)).toEqual({ parts: 0, bytes: SIZE });
    expect(receiver.client.usage()).toMatchObject({ usedBytes: SIZE, reservedBytes: 0, partialBytes: 0 });
  });
});

describe("two references of the same content to the same out, the first one's pieces hanging", () => {
  test("the later fetch wins, as for other content: the hanging one is cancelled and the good one puts the verified file there", async () => {
    const { file, hangingRef, goodRef, backend, receiver } = await setup();
    const folder = tempDir("scc-same-content-hang-out-");
    const out = join(folder, "photo.jpg");
    const hanging = receiver.client.fetch(hangingRef, { out });
    const hangingEnd = hanging.done.catch((error: unknown) => error);
    await until(() => backend.hung > 0, "the hanging reference's first get");
    const good = await receiver.client.fetch(goodRef, { out }).done;
    expect(good).toMatchObject({ path: out, size: SIZE, fromCache: false });
    expect(((await hangingEnd) as StorageError).code).toBe("E_ABORTED");
    expect(readFileSync(out).equals(file.bytes)).toBe(true);
    expect(onDisk(folder)).toEqual({ parts: 0, bytes: SIZE });
  });
});
