import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const DAY = 24 * 60 * 60 * 1000;

describe("release() while a renewal reads that very piece back", () => {
  test("a one-piece file released while its piece is read back is not stored again by that run (the whole file uploaded again over a phone's data for a deleted chat)", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t }, renewEveryMs: 0 });
    const shared = await client.share({ path: writeRandomFile(dir, "clip.mp4", 20 * KiB).path }).done;
    expect(shared.view.pieces).toHaveLength(1);
    clock.t = start + 28 * DAY;

    // The user deletes the chat while the run reads the file's piece back.
    backend.beforeGet = () => {
      backend.beforeGet = undefined;
      client.release(shared.reference);
    };
    const puts = backend.puts;
    const report = await client.renewDue();

    expect(report).toEqual({ renewed: [], failed: [] });
    expect(backend.puts).toBe(puts);
    // Released: it expires with the TTL it had.
    expect(await client.status(shared.reference)).toEqual({ state: "expiring", expiresAt: start + 30 * DAY });
  });
});
