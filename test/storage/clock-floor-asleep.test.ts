/**
 * While the device clock reads behind the time floor, time came from the floor plus the monotonic
 * clock alone. That clock does not count a phone's sleep (on some platforms) and starts over at
 * every boot, so a phone asleep, or off, while its clock read wrong saw time stand still, and
 * renewal came late by that much: past the pieces' 30 days, the file lost for every receiver.
 * The device clock itself keeps running through sleep and (unless it is reset) through time off:
 * its advances count too.
 *
 * The injected clock stands for the device: `t` its wall clock, `m` a monotonic clock that stops
 * while the device sleeps and starts over with each process.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const DAY = 24 * 60 * 60 * 1000;
const START = Date.UTC(2026, 0, 1);
/** A device clock reset by a battery run flat. */
const RESET = Date.UTC(2000, 0, 1);

interface Device {
  t: number;
  m: number;
}

function deviceClock(device: Device) {
  return { now: () => device.t, monotonic: () => device.m };
}

/** Real time passing, awake: both clocks move. */
function pass(device: Device, ms: number): void {
  device.t += ms;
  device.m += ms;
}

/** Real time passing asleep: the wall clock moves, the monotonic clock does not. */
function sleep(device: Device, ms: number): void {
  device.t += ms;
}

async function sharedFile() {
  const dir = tempDir();
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const device: Device = { t: START, m: 1_000 };
  const setup = await startClient({ dir, backend, clock: deviceClock(device) });
  const shared = await setup.client.share({ path: writeRandomFile(dir, "doc.pdf", 100 * KiB).path }).done;
  return { ...setup, backend, device, shared, cids: shared.view.pieces.map((p) => p.cid).sort() };
}

describe("a device whose clock reads behind the floor", () => {
  test("asleep for 26 days, a day after the share: renewal is due when it wakes (27 real days is the renewal point), not 26 days later", async () => {
    const { client, device, shared, cids } = await sharedFile();
    pass(device, DAY);
    // Reset (a battery run flat): far behind the floor, and before 2025, so never taken for a correction.
    device.t = RESET;
    expect((await client.renewDue()).renewed).toEqual([]);
    sleep(device, 26 * DAY);
    pass(device, 60_000);
    expect((await client.status(shared.reference)).state).toBe("expiring");
    expect((await client.renewDue()).renewed.sort()).toEqual(cids);
  });

  test("off for 26 days between two runs, the clock running on behind: the next run starts from the time the device clock counted meanwhile", async () => {
    const { client, backend, device, shared, cids, dir, statePath } = await sharedFile();
    pass(device, DAY);
    device.t = RESET;
    pass(device, 60_000);
    expect((await client.renewDue()).renewed).toEqual([]);
    await client.stop();
    // Off 26 days: the wall clock runs on (still reading 2000); the next process's monotonic clock starts over.
    const next: Device = { t: device.t + 26 * DAY, m: 3 };
    const again = await startClient({ dir, statePath, backend, clock: deviceClock(next) });
    expect((await again.client.status(shared.reference)).state).toBe("expiring");
    expect((await again.client.renewDue()).renewed.sort()).toEqual(cids);
  });

  test("the clock reset again between two runs: the time off is not known, the floor holds, never earlier", async () => {
    const { client, backend, device, shared, dir, statePath } = await sharedFile();
    pass(device, DAY);
    device.t = RESET;
    pass(device, 60_000);
    expect((await client.renewDue()).renewed).toEqual([]);
    await client.stop();
    const reset: Device = { t: RESET, m: 0 };
    const again = await startClient({ dir, statePath, backend, clock: deviceClock(reset) });
    expect(await again.client.status(shared.reference)).toEqual({ state: "available", expiresAt: START + 30 * DAY });
    // Renewal point of the floor's time: 27 days after the share, less the day and minute already seen.
    pass(reset, 26 * DAY - 60_000 - 1);
    expect((await again.client.renewDue()).renewed).toEqual([]);
    pass(reset, 2);
    expect((await again.client.renewDue()).renewed.length).toBeGreaterThan(0);
  });

  test("a floor an earlier release wrote after this one (it ignores the device reading beside it): that stale reading counts no time off", async () => {
    const { client, backend, device, shared, dir, statePath } = await sharedFile();
    pass(device, DAY);
    device.t = RESET;
    pass(device, 60_000);
    expect((await client.renewDue()).renewed).toEqual([]);
    await client.stop();
    // The earlier release ran a day on the floor (its clock still reset) and wrote the floor alone.
    const db = new Database(statePath);
    db.prepare(`UPDATE settings SET value = ? WHERE key = 'storage-clock-floor'`).run(String(START + 2 * DAY));
    db.close();
    const next: Device = { t: device.t + 20 * DAY, m: 0 };
    const again = await startClient({ dir, statePath, backend, clock: deviceClock(next) });
    expect(await again.client.status(shared.reference)).toEqual({ state: "available", expiresAt: START + 30 * DAY });
    pass(next, 25 * DAY - 1);
    expect((await again.client.renewDue()).renewed).toEqual([]);
    pass(next, 2);
    expect((await again.client.renewDue()).renewed.length).toBeGreaterThan(0);
  });
});
