/**
 * Two fetches of a cached file the app wrote to, checked at once: the first to finish its hash drops
 * the file and fetches it again. When the second's hash (of the old file, which it holds open) ends
 * only after that download put a fresh verified copy at the path, the second took the fresh copy for
 * the changed one: it deleted it (under the first fetch's caller, who had just been handed that
 * path) and downloaded the whole file a second time. It now sees the path holds another file than
 * the one it hashed, checks that one, and serves it.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, test, vi } from "vitest";
import { Sha256Offload, type RunningSha256 } from "../../src/crypto/index.js";
import type { FetchResult } from "../../src/storage/index.js";
import { KiB, MiB, sha256Hex, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const SIZE = 2 * MiB;
const PIECES = { chunkSize: 64 * KiB, pieceSize: 4 * MiB } as const;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a cache hit whose changed file was fetched again while it was checked", () => {
  test("is served the fresh copy: the fresh file is not deleted and nothing is downloaded twice", async () => {
    const sender = await startClient(PIECES);
    const bytes = randomBytes(SIZE);
    const { reference } = await sender.client.share({ bytes, fileName: "video.mp4" }).done;
    const store = new InstrumentedBackend(sender.backend);
    const { client } = await startClient({ backend: store, ...PIECES });
    const first = await client.fetch(reference).done;
    // Edited in place by the app: same size, other bytes.
    writeFileSync(first.path, randomBytes(SIZE));

    // The second hit's hash is held after its first read (it has the old file open) until released.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let created = 0;
    const original = Sha256Offload.prototype.running;
    vi.spyOn(Sha256Offload.prototype, "running").mockImplementation(function (this: Sha256Offload, expectedBytes: number): RunningSha256 {
      const running = original.call(this, expectedBytes);
      if (expectedBytes !== SIZE || ++created !== 2) return running;
      return {
        ...running,
        update: async (b) => {
          await running.update(b);
          await held;
        },
      };
    });

    const gets = store.gets;
    const a = client.fetch(reference).done;
    const b = client.fetch(reference).done;
    let other: FetchResult;
    let served: FetchResult;
    try {
      served = await a;
      expect(served.fromCache).toBe(false);
      expect(store.gets - gets, "the first hit's download").toBe(1);
    } finally {
      release();
      other = await b;
    }
    expect(existsSync(served.path), "the first fetch's file").toBe(true);
    expect(sha256Hex(readFileSync(served.path))).toBe(sha256Hex(bytes));
    expect(other).toMatchObject({ path: served.path, fromCache: true });
    expect(store.gets - gets, "pieces downloaded in all").toBe(1);
  });
});
