import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const DAY = 24 * 60 * 60 * 1000;

describe("the renewal timer of a client that stays running while the machine sleeps", () => {
  test("after a sleep as long as the interval (the device clock ran on, the timers' clock did not), a renewal runs soon after the wake, not a whole awake interval later", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const everyMs = 7_200;
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t }, renewEveryMs: everyMs });
    const shared = await client.share({ path: writeRandomFile(dir, "photo.jpg", 64 * KiB).path }).done;
    // Let the start's run end (nothing due yet).
    await client.renewDue();
    const puts = backend.puts;

    // A laptop suspended for 28 days with the app open: the device clock counted them, Node's timers
    // (CLOCK_MONOTONIC, which stops in suspend) did not. It wakes now.
    clock.t = start + 28 * DAY;
    const woke = performance.now();
    // Until every piece is stored again (the run stores them one after another: stopping at the first raced the second).
    while (backend.puts - puts < shared.view.pieces.length && performance.now() - woke < everyMs) await sleep(50);
    // Renewed within a small part of the interval: a machine awake only a few hours a day would
    // otherwise renew days after the margin began, or after Codex dropped the pieces.
    expect(backend.puts - puts).toBe(shared.view.pieces.length);
    expect(performance.now() - woke).toBeLessThan(everyMs / 2);
    await client.renewDue();
    expect(await client.status(shared.reference)).toEqual({ state: "available", expiresAt: start + 58 * DAY });
  });
});
