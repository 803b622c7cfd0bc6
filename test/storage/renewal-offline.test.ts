import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";

const DAY = 24 * 60 * 60 * 1000;

describe("a renewal run while no endpoint can be reached", () => {
  test("once a piece has used up its attempts on an unreachable network, the run reports the others failed without trying each in turn (an app opened offline held every renewDue() for about a minute per due piece)", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t }, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 } });
    const shared = await client.share({ path: writeRandomFile(dir, "album.zip", 320 * KiB).path }).done;
    expect(shared.view.pieces.length).toBe(10);
    clock.t = start + 28 * DAY;

    // The phone is offline: every call fails as a refused connection would.
    backend.beforeGet = () => {
      throw unreachable(backend.location);
    };
    backend.beforePut = () => {
      throw unreachable(backend.location);
    };
    const calls = backend.gets + backend.puts;
    const offline = await client.renewDue();
    expect(offline.renewed).toEqual([]);
    expect(offline.failed).toHaveLength(10);
    expect(new Set(offline.failed.map((f) => f.code))).toEqual(new Set(["E_BACKEND_UNREACHABLE"]));
    // One piece's attempts (3 reads, then 3 stores of the piece sealed from the source), not ten pieces' worth.
    expect(backend.gets + backend.puts - calls).toBeLessThanOrEqual(6);

    // Back online: the next run renews them all.
    backend.beforeGet = undefined;
    backend.beforePut = undefined;
    const online = await client.renewDue();
    expect(online.failed).toEqual([]);
    expect(online.renewed).toHaveLength(10);
  });
});
