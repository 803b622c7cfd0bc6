/**
 * A share of bytes is spooled to disk in the background; meanwhile the same content may reach the
 * cache (a download of the received file ending) and be forwarded by the path fetch gave. The
 * share is held here by a gate around the real spoolBytes (a slow disk), or around the real
 * CacheStore.copyHolding: the file system, the journal and the uploads are the real ones.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { CacheStore } from "../../src/storage/cache-store.js";
import { StorageClient } from "../../src/storage/index.js";
import { gate } from "../support/gate.js";
import { tempDir } from "../support/temp-dir.js";
import { bytesKeptIn, KiB } from "./support/client-fixture.js";
import { photoSharedWithReopenable, slowPuts } from "./support/reopenable-client.js";

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

/**
 * A share of the received file's bytes is held at one point of its placement (`hold` sets the gate,
 * `reached` says it is there); meanwhile the received file finishes downloading and is forwarded
 * by its path; then the share goes on, the client stops mid-way and starts again. Both uploads must
 * finish, the path fetch gave still read the bytes, and the quota count every file on disk once.
 */
async function forwardWhileShareIsHeld(hold: (until: Promise<void> | undefined) => void, reached: () => boolean): Promise<void> {
  const dir = tempDir("scc-spool-race-");
  const { backend, bytes, received, options, a } = await photoSharedWithReopenable(dir, 100 * KiB);
  const held = gate();
  hold(held.wait);
  try {
    // Sent to one chat from the bytes the app holds.
    const again = a.share({ bytes, fileName: "photo.jpg" });
    await vi.waitFor(() => expect(reached()).toBe(true));
    // Meanwhile the received copy finishes downloading, and is forwarded to another chat by its path.
    const { path } = await a.fetch(received).done;
    // Every put slow from now on, so the stop below finds the forward mid-way.
    const putsAsked = slowPuts(backend);
    const forward = a.share({ path });
    await vi.waitFor(() => expect(putsAsked()).toBeGreaterThan(0));
    held.open();
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
    hold(undefined);
    held.open();
    await a.stop();
  }
}

describe("a received file forwarded while a share of its bytes is being spooled", () => {
  test("the download that ends while the share's bytes are spooled keeps its file: the forward of it and the share both resume after a stop and finish, the path fetch gave still reads the bytes, and the quota counts every file on disk once", async () => {
    spool.written = 0;
    await forwardWhileShareIsHeld(
      (until) => (spool.held = until),
      () => spool.written === 1,
    );
  });

  test("the same when the download ends just after the share, its bytes spooled, found no cached copy: the spool file is not recorded over the received file", async () => {
    // The share's second look for a cached copy (after its spool write) returns, and waits there.
    const look = { held: undefined as Promise<void> | undefined, calls: 0, waiting: false };
    const real = CacheStore.prototype.copyHolding;
    const spy = vi.spyOn(CacheStore.prototype, "copyHolding").mockImplementation(async function (this: CacheStore, ...args: Parameters<typeof real>) {
      const found = await real.apply(this, args);
      if (++look.calls === 2 && look.held !== undefined) {
        look.waiting = true;
        await look.held;
      }
      return found;
    });
    try {
      await forwardWhileShareIsHeld(
        (until) => {
          // Counted from the share on (the sender's shares looked too).
          look.calls = 0;
          look.held = until;
        },
        () => look.waiting,
      );
    } finally {
      spy.mockRestore();
    }
  });
});
