/**
 * A share of bytes is spooled to disk in the background; meanwhile the same content may reach the
 * cache (a download of the received file ending) and be forwarded by the path fetch gave. The
 * spool write is held here by a gate around the real spoolBytes (a slow disk): the file system,
 * the journal and the uploads are the real ones.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { bytesKeptIn, FAST_RETRY, KiB, SMALL_PIECES, localStore, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** While `held` is set, a spool write that has written its file waits for it before it returns. */
const spool = vi.hoisted(() => ({ held: undefined as Promise<void> | undefined, written: 0 }));

vi.mock("../../src/storage/spool-file.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/storage/spool-file.js")>();
  return {
    ...real,
    spoolBytes: async (dir: string, name: string, bytes: Uint8Array) => {
      const spooled = await real.spoolBytes(dir, name, bytes);
      spool.written++;
      await spool.held;
      return spooled;
    },
  };
});

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

function reopenable(dir: string, backend: InstrumentedBackend): StorageClientOptions {
  return { protocol: 3, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES, piecesInFlight: 1 };
}

describe("a received file forwarded while a share of its bytes is being spooled", () => {
  test("the download that ends while the share's bytes are spooled keeps its file: the forward of it and the share both resume after a stop and finish, the path fetch gave still reads the bytes, and the quota counts every file on disk once", async () => {
    const dir = tempDir("scc-spool-race-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const sender = await startClient({ backend });
    const bytes = randomBytes(100 * KiB);
    const received = (await sender.client.share({ bytes, fileName: "photo.jpg" }).done).reference;
    const options = reopenable(dir, backend);
    const a = await StorageClient.open(options);
    const spooled = gate();
    spool.held = spooled.wait;
    let putsAsked = 0;
    try {
      // Sent to one chat from the bytes the app holds: their spool write is slow.
      const again = a.share({ bytes, fileName: "photo.jpg" });
      await vi.waitFor(() => expect(spool.written).toBe(1));
      // Meanwhile the received copy finishes downloading, and is forwarded to another chat by its path.
      const { path } = await a.fetch(received).done;
      // Every put slow from now on, so the stop below finds the forward mid-way (a put in flight is let finish).
      backend.beforePut = () => {
        putsAsked++;
        return new Promise((r) => setTimeout(r, 150));
      };
      const forward = a.share({ path });
      await vi.waitFor(() => expect(putsAsked).toBeGreaterThan(0));
      spooled.open();
      // The share's spool write has returned and been recorded (one of the two copies is gone).
      await vi.waitFor(() => expect(existsSync(path) && existsSync(join(dir, "d", "spool", basename(path)))).toBe(false));
      await a.stop();
      for (const upload of [again, forward]) await expect(upload.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
      expect(existsSync(path) && readFileSync(path).equals(bytes)).toBe(true);
      backend.beforePut = undefined;
      const b = await StorageClient.open(options);
      try {
        await expect(b.job(forward.id).done).resolves.toMatchObject({ jobId: forward.id });
        const { reference } = (await b.job(again.id).done) as { reference: Uint8Array };
        const back = await b.fetch(reference, { out: join(dir, "back.jpg") }).done;
        expect(readFileSync(back.path).equals(bytes)).toBe(true);
        expect(b.usage().usedBytes).toBe(bytesKeptIn(join(dir, "d")));
      } finally {
        await b.stop();
      }
    } finally {
      spool.held = undefined;
      spooled.open();
      await a.stop();
    }
  });
});

