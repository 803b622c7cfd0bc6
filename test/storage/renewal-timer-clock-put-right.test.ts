/**
 * The renewal timer runs once the device clock or the timers' own clock says an interval passed
 * (066e0b5: Node's timers stop while the machine sleeps). It measured the device clock from its
 * reading at the last run; a device clock that ran ahead (a wrong year picked at boot) and was put
 * right then read behind that for as long as it had been ahead, so for that long only the awake
 * clock counted: a laptop awake a few hours a day renewed every few days again, past the margin.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

async function until(done: () => boolean, ms: number): Promise<void> {
  const began = performance.now();
  while (!done() && performance.now() - began < ms) await sleep(20);
}

describe("the renewal timer after the device clock ran ahead and was put right", () => {
  test("a sleep as long as the interval after the correction is counted: a renewal runs soon after the wake", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const everyMs = 7_200;
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t }, renewEveryMs: everyMs });
    const shared = await client.share({ path: writeRandomFile(dir, "photo.jpg", 64 * KiB).path }).done;
    await client.renewDue();

    // Booted with next year's date: the timer's run renews the file (its expiry has passed on that clock).
    let puts = backend.puts;
    clock.t = start + 365 * DAY;
    await until(() => backend.puts - puts >= shared.view.pieces.length, everyMs);
    expect(backend.puts - puts).toBe(shared.view.pieces.length);

    // Network time puts the clock right; the application renews (the expiries journaled a year ahead are not believed).
    clock.t = start + HOUR;
    await client.renewDue();
    // The timer looks at the clock a few times meanwhile (36 times an interval).
    await sleep(everyMs / 12);

    // The laptop sleeps 28 days: the device clock counts them, Node's timers do not.
    puts = backend.puts;
    clock.t = start + HOUR + 28 * DAY;
    const woke = performance.now();
    await until(() => backend.puts - puts >= shared.view.pieces.length, everyMs);
    expect(backend.puts - puts).toBe(shared.view.pieces.length);
    expect(performance.now() - woke).toBeLessThan(everyMs / 2);
  });
});
