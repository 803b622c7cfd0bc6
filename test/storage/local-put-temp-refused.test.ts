/**
 * A streamed put into the local store whose temp file the disk refuses (full: the open of
 * incoming/<uuid>.part fails with ENOSPC through a pass-through wrapper of node:fs/promises' open).
 * The put fails before it reads a byte; the source it was given must still be handed back, or a
 * file read stream keeps its descriptor open for the life of the process.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, readdirSync, writeFileSync } from "node:fs";
import { getEventListeners } from "node:events";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { tempDir } from "../support/temp-dir.js";

/** Opens inside this folder fail with ENOSPC while it is set. */
const fault = vi.hoisted(() => ({ path: "", refused: 0, inside: true }));

vi.mock("node:fs/promises", async (importOriginal) => (await import("./support/fs-faults.js")).failingFsPromises(await importOriginal(), "open", "ENOSPC", fault));

/** Lets a destroyed stream run its close (the descriptor's close is a libuv round trip). */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("a local put whose temp file the disk refuses", () => {
  test("fails E_LOCAL_IO and hands its Readable source back: the stream is destroyed, its descriptor closed, no listener left on the caller's signal", async () => {
    const dir = tempDir("scc-local-temp-refused-");
    const sourcePath = join(dir, "video.bin");
    writeFileSync(sourcePath, randomBytes(256 * 1024));
    const storeDir = join(dir, "store");
    const store = createLocalBackend({ dir: storeDir });
    // A first put makes incoming/, so the refused open below is the temp file's, not its folder's.
    await store.put(randomBytes(10));
    const source = createReadStream(sourcePath);
    const caller = new AbortController();
    fault.path = join(storeDir, "incoming");
    fault.refused = 0;
    let error: unknown;
    try {
      error = await store.put(source, { signal: caller.signal }).then(() => "stored", (e: unknown) => e);
    } finally {
      fault.path = "";
    }
    expect(fault.refused).toBe(1);
    expect(error).toMatchObject({ code: "E_LOCAL_IO" });
    await settle();
    expect(source.destroyed).toBe(true);
    expect(source.closed).toBe(true);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
    expect(readdirSync(join(storeDir, "incoming"))).toEqual([]);
    await store.close();
  });
});

describe("a local put refused before it starts", () => {
  test("a closed store (E_CLIENT_CLOSED) and an already-aborted signal (E_ABORTED) hand a Readable source back too: destroyed, descriptor closed", async () => {
    const dir = tempDir("scc-local-put-refused-");
    const sourcePath = join(dir, "photo.jpg");
    writeFileSync(sourcePath, randomBytes(64 * 1024));
    const aborted = createLocalBackend({ dir: join(dir, "open") });
    const early = createReadStream(sourcePath);
    await expect(aborted.put(early, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: "E_ABORTED" });
    await aborted.close();
    const closed = createLocalBackend({ dir: join(dir, "closed") });
    await closed.close();
    const late = createReadStream(sourcePath);
    await expect(closed.put(late)).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    await settle();
    expect([early.destroyed, early.closed]).toEqual([true, true]);
    expect([late.destroyed, late.closed]).toEqual([true, true]);
  });
});
