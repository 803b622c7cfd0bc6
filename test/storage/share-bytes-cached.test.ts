/**
 * share({ bytes }) of bytes a received file in the cache already holds reads that file rather than
 * spool a copy, once it has compared them. share() is synchronous: that comparison (up to a whole
 * 50 MiB file) must not run inside it, on the caller's turn. The file system's synchronous opens
 * are watched through a pass-through wrapper of node:fs (every call goes to the real one).
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import type { StorageClientOptions } from "../../src/storage/index.js";
import { gate } from "../support/gate.js";
import { bytesKeptIn, expectSentOrSourceChanged, KiB, localStore, spoolWritesPending, startClient, uploading } from "./support/client-fixture.js";
import { editInPlace } from "./support/edit-in-place.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** Paths opened synchronously while `watching` is set. */
const syncOpens = vi.hoisted(() => ({ watching: false, paths: [] as string[] }));

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const openSync = ((...args: Parameters<typeof real.openSync>) => {
    if (syncOpens.watching) syncOpens.paths.push(String(args[0]));
    return real.openSync(...args);
  }) as typeof real.openSync;
  return { ...real, default: { ...real, openSync }, openSync };
});

/** A receiver with `bytes` fetched into its cache (a received photo), from a sender over the same (instrumented) store. */
async function receivedInCache(size: number, options: Partial<StorageClientOptions> = {}) {
  const store = new InstrumentedBackend(localStore(join((await startClient()).dir, "shared-store")));
  const sender = await startClient({ backend: store });
  const bytes = randomBytes(size);
  const { reference } = await sender.client.share({ bytes, fileName: "photo.jpg" }).done;
  const receiver = await startClient({ backend: store, ...options });
  const { path } = await receiver.client.fetch(reference).done;
  return { ...receiver, bytes, path };
}

/** share() of `bytes` on `client`, with the synchronous opens made during the call itself. */
function shareWatched(client: Awaited<ReturnType<typeof receivedInCache>>["client"], bytes: Uint8Array) {
  syncOpens.paths = [];
  syncOpens.watching = true;
  try {
    return { job: client.share({ bytes, fileName: "photo.jpg" }), opened: [...syncOpens.paths] };
  } finally {
    syncOpens.watching = false;
  }
}

describe("a share of bytes a received file holds", () => {
  test("share() returns without opening the cached file (it is compared afterwards); the share then reads that file, writes no spooled copy, and its reference fetches back the bytes", async () => {
    const { client, dataDir, dir, bytes, path } = await receivedInCache(300 * KiB);
    const { job, opened } = shareWatched(client, bytes);
    expect(opened.filter((p) => dirname(p) === join(dataDir, "cache"))).toEqual([]);
    const { reference } = await job.done;
    expect(readdirSync(join(dataDir, "spool")).filter((n) => !n.startsWith("."))).toEqual([]);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(client.usage().usedBytes).toBe(bytesKeptIn(dataDir));
    const back = await client.fetch(reference, { out: join(dir, "back.jpg") }).done;
    expect(readFileSync(back.path).equals(bytes)).toBe(true);
  });

  test("a received file the app writes to after the share chose to read it, before its upload ran, is not sent in place of the bytes given: the share sends those bytes or fails E_SOURCE_CHANGED", async () => {
    const { client, dir, bytes, path, backend } = await receivedInCache(100 * KiB, { jobsInFlight: 1 });
    const puts = gate();
    const instrumented = backend as InstrumentedBackend;
    instrumented.beforePut = () => puts.wait;
    try {
      // One upload at a time, and the first one held: the share below waits its turn.
      const blocker = client.share({ bytes: randomBytes(10 * KiB), fileName: "other.bin" });
      await uploading(blocker);
      const job = client.share({ bytes, fileName: "photo.jpg" });
      // Its bytes compared with the received file and that file chosen.
      await vi.waitFor(() => expect(spoolWritesPending(client)).toBe(0));
      editInPlace(path, bytes, 10);
      puts.open();
      await expectSentOrSourceChanged(client, job, bytes, join(dir, "back.jpg"));
    } finally {
      puts.open();
    }
  });

  test("a received file the app wrote to since (same size, other bytes) is not what a share of the original bytes sends: they are spooled, and the reference fetches them back", async () => {
    const { client, dataDir, dir, bytes, path } = await receivedInCache(300 * KiB);
    editInPlace(path, bytes, 1000);
    const { reference } = await client.share({ bytes, fileName: "photo.jpg" }).done;
    const back = await client.fetch(reference, { out: join(dir, "back.jpg") }).done;
    expect(readFileSync(back.path).equals(bytes)).toBe(true);
    expect(client.usage().usedBytes).toBe(bytesKeptIn(dataDir));
  });
});
