/**
 * A device clock set back (by the user, or a phone's clock reset after a dead battery) must not
 * make renewal late nor status() say `available` past a piece's real expiry: the client keeps a
 * floor on the time in the state database that survives restarts. A clock that ran ahead and was
 * put right must not leave every file expired or renewed on every check for ever.
 *
 * The injected clock stands for the device: `t` its wall clock (set back at will), `m` a
 * monotonic clock that only moves forward and starts anew with each process.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { runScript } from "../support/script-child.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const DAY = 24 * 60 * 60 * 1000;
const START = Date.UTC(2026, 0, 1);
/** The settings key: a stable name, since releases N and N+1 share the state. */
const CLOCK_FLOOR_KEY = "storage-clock-floor";

interface Device {
  /** Wall clock, ms since the epoch. */
  t: number;
  /** Monotonic clock of the current process. */
  m: number;
}

function deviceClock(device: Device) {
  return { now: () => device.t, monotonic: () => device.m };
}

/** Real time passing: both clocks move. */
function pass(device: Device, ms: number): void {
  device.t += ms;
  device.m += ms;
}

async function sharedFile() {
  const dir = tempDir();
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const device: Device = { t: START, m: 1_000 };
  const setup = await startClient({ dir, backend, clock: deviceClock(device) });
  const file = writeRandomFile(dir, "doc.pdf", 100 * KiB);
  const shared = await setup.client.share({ path: file.path }).done;
  return { ...setup, backend, device, shared, cids: shared.view.pieces.map((p) => p.cid).sort() };
}

function floorIn(statePath: string): string | undefined {
  const db = new Database(statePath, { readonly: true });
  try {
    return (db.prepare(`SELECT value FROM settings WHERE key = ?`).pluck().get(CLOCK_FLOOR_KEY) as string | undefined) ?? undefined;
  } finally {
    db.close();
  }
}

describe("a device clock set back while the client runs", () => {
  test("pieces are renewed before their real expiry, and status() says expiring, then not available, as real time passes", async () => {
    const { client, device, shared, cids } = await sharedFile();
    pass(device, 20 * DAY);
    expect((await client.status(shared.reference)).state).toBe("available");
    // Set back 15 days; then 8 real days pass: 28 days since the upload, 2 left on the endpoints.
    device.t -= 15 * DAY;
    pass(device, 8 * DAY);
    expect((await client.status(shared.reference)).state).toBe("expiring");
    // 31 real days: the piece is gone unless renewed; status must not say it is there.
    pass(device, 3 * DAY);
    expect((await client.status(shared.reference)).state).not.toBe("available");
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed.sort()).toEqual(cids);
    // Journaled on the floor's time (real time): 30 days from the renewal.
    expect(await client.status(shared.reference)).toEqual({ state: "available", expiresAt: START + 61 * DAY });
  });

  test("the renewal is on time, not after: due at 27 real days, not at 27 days of the set-back clock", async () => {
    const { client, device, cids } = await sharedFile();
    pass(device, 10 * DAY);
    expect((await client.renewDue()).renewed).toEqual([]);
    device.t -= 10 * DAY;
    pass(device, 16 * DAY);
    expect((await client.renewDue()).renewed).toEqual([]);
    pass(device, 1 * DAY + 1);
    expect((await client.renewDue()).renewed.sort()).toEqual(cids);
  });
});

describe("a device clock set back between two runs", () => {
  test("the next run starts from the time the last one saw, and its renewal and status() follow real time from there", async () => {
    const { client, backend, device, shared, cids, dir, statePath } = await sharedFile();
    pass(device, 20 * DAY);
    expect((await client.status(shared.reference)).state).toBe("available");
    await client.stop();
    // The battery died: the clock comes back 18 days behind, and the new process's monotonic clock starts over.
    const next: Device = { t: START + 2 * DAY, m: 5 };
    const again = await startClient({ dir, statePath, backend, clock: deviceClock(next) });
    expect((await again.client.status(shared.reference)).state).toBe("available");
    pass(next, 7 * DAY + 1);
    expect((await again.client.status(shared.reference)).state).toBe("expiring");
    expect((await again.client.renewDue()).renewed.sort()).toEqual(cids);
  });

  test("stop() writes the latest time seen, even when it moved less than the write interval since the last write", async () => {
    const { client, device, shared, statePath } = await sharedFile();
    await client.status(shared.reference);
    pass(device, 30_000);
    await client.status(shared.reference);
    await client.stop();
    expect(floorIn(statePath)).toBe(String(device.t));
  });

  test("the floor is written a bounded number of times, not once per reading of the clock", async () => {
    const { client, device, shared, statePath } = await sharedFile();
    const db = new Database(statePath);
    db.exec(`CREATE TABLE floor_writes (n INTEGER); CREATE TRIGGER count_floor AFTER UPDATE ON settings WHEN new.key = '${CLOCK_FLOOR_KEY}' BEGIN INSERT INTO floor_writes VALUES (1); END;`);
    try {
      for (let i = 0; i < 200; i++) {
        pass(device, 10);
        await client.status(shared.reference);
      }
      expect(db.prepare(`SELECT count(*) FROM floor_writes`).pluck().get()).toBe(0);
      pass(device, 10 * 60 * 1000);
      await client.status(shared.reference);
      expect(db.prepare(`SELECT count(*) FROM floor_writes`).pluck().get()).toBe(1);
    } finally {
      db.close();
    }
  });
});

describe("a device clock that ran ahead and was put right", () => {
  test("within the renewal horizon (28 days ahead): every piece is renewed early once, then on the real schedule, not on every check", async () => {
    const { client, backend, device, shared, cids } = await sharedFile();
    // A received file from a sender whose clock is right.
    const sender = await startClient({ backend, clock: deviceClock({ t: START + 60_000, m: 0 }) });
    const received = await sender.client.share({ bytes: Buffer.alloc(20 * KiB, 7), fileName: "r.bin" }).done;
    device.t += 28 * DAY;
    expect((await client.status(shared.reference)).state).toBe("expiring");
    device.t -= 28 * DAY;
    pass(device, 60_000);
    // The floor stays 28 days ahead: renewal errs early (a renewal), never late (a lost file).
    expect((await client.renewDue()).renewed.sort()).toEqual(cids);
    expect((await client.renewDue()).renewed).toEqual([]);
    pass(device, 26 * DAY);
    expect((await client.renewDue()).renewed).toEqual([]);
    pass(device, DAY + 1);
    expect((await client.renewDue()).renewed.sort()).toEqual(cids);
    expect((await client.renewDue()).renewed).toEqual([]);
    // The received file, alive on the device clock, is never called expired on the floor's word alone.
    const status = await client.status(received.reference);
    expect(status.state).not.toBe("expired");
    expect(status.state).not.toBe("available");
    expect((await client.status(received.reference, { probe: true })).state).toBe("available");
  });

  test("a year ahead, then put right before the next run: the floor is dropped, files are not all expired, and what was journaled on it is renewed once", async () => {
    const { client, backend, device, dir, statePath } = await sharedFile();
    device.t += 365 * DAY;
    const ahead = await client.share({ bytes: Buffer.alloc(40 * KiB, 1), fileName: "ahead.bin" }).done;
    await client.stop();
    const sender = await startClient({ backend, clock: deviceClock({ t: START + DAY, m: 0 }) });
    const received = await sender.client.share({ bytes: Buffer.alloc(20 * KiB, 7), fileName: "r.bin" }).done;
    const right: Device = { t: START + DAY, m: 0 };
    const again = await startClient({ dir, statePath, backend, clock: deviceClock(right) });
    expect(await again.client.status(received.reference)).toEqual({ state: "available", expiresAt: START + 31 * DAY });
    expect((await again.client.status(ahead.reference)).state).toBe("unknown");
    expect((await again.client.renewDue()).renewed).toHaveLength(ahead.view.pieces.length);
    expect((await again.client.renewDue()).renewed).toEqual([]);
    expect(await again.client.status(ahead.reference)).toEqual({ state: "available", expiresAt: START + 31 * DAY });
    await again.client.stop();
    expect(Number(floorIn(statePath))).toBeLessThan(START + 2 * DAY);
  });
});

describe("a device clock reset to before this library existed (a dead battery)", () => {
  test("is never taken for a correction: the floor holds, however far behind the clock is", async () => {
    const { client, backend, device, shared, cids, dir, statePath } = await sharedFile();
    pass(device, 20 * DAY);
    expect((await client.renewDue()).renewed).toEqual([]);
    await client.stop();
    const reset: Device = { t: Date.UTC(2000, 0, 1), m: 0 };
    const again = await startClient({ dir, statePath, backend, clock: deviceClock(reset) });
    pass(reset, 7 * DAY + 1);
    expect((await again.client.status(shared.reference)).state).toBe("expiring");
    expect((await again.client.renewDue()).renewed.sort()).toEqual(cids);
  });
});

describe("the floor in a state another release used", () => {
  test("a state without the key (an earlier release's), with an old floor (an earlier release ran last), or with a value this release cannot read starts from the device clock and writes its own", async () => {
    for (const stored of [undefined, String(START - 10 * DAY), "soon", "-5", "1e400", "1768953600000.5"]) {
      const dir = tempDir();
      const statePath = join(dir, "state.sqlite");
      const first = await startClient({ dir, statePath, clock: deviceClock({ t: START, m: 0 }) });
      await first.client.stop();
      const db = new Database(statePath);
      if (stored === undefined) db.prepare(`DELETE FROM settings WHERE key = ?`).run(CLOCK_FLOOR_KEY);
      else db.prepare(`UPDATE settings SET value = ? WHERE key = ?`).run(stored, CLOCK_FLOOR_KEY);
      db.close();
      const device: Device = { t: START + DAY, m: 0 };
      const again = await startClient({ dir, statePath, clock: deviceClock(device) });
      const shared = await again.client.share({ bytes: Buffer.alloc(10 * KiB, 3), fileName: "a.bin" }).done;
      expect(await again.client.status(shared.reference)).toEqual({ state: "available", expiresAt: START + 31 * DAY });
      await again.client.stop();
      expect(floorIn(statePath)).toBe(String(START + DAY));
    }
  });

  test("a floor the state refuses to write (a full disk) costs only the next run's start point: the clock still works and never goes back in this run", async () => {
    const { client, device, shared, cids, statePath } = await sharedFile();
    const db = new Database(statePath);
    db.exec(`CREATE TRIGGER refuse_floor BEFORE UPDATE ON settings WHEN new.key = '${CLOCK_FLOOR_KEY}' BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END;`);
    try {
      pass(device, 20 * DAY);
      expect((await client.status(shared.reference)).state).toBe("available");
      device.t -= 15 * DAY;
      pass(device, 7 * DAY + 1);
      expect((await client.status(shared.reference)).state).toBe("expiring");
      expect((await client.renewDue()).renewed.sort()).toEqual(cids);
      await client.stop();
    } finally {
      db.close();
    }
  });
});

describe("the time read while the device clock is behind", () => {
  test("is whole milliseconds, as the journal's STRICT integer columns take, with a monotonic clock in fractions (performance.now()), and it moves on however often it is read", async () => {
    const fractional = { t: START, m: 0.25 };
    const again = await startClient({ clock: { now: () => fractional.t, monotonic: () => fractional.m } });
    fractional.t -= DAY;
    fractional.m += 0.5;
    // Journal writes on that time: a share (pieces, job states), then a renewal.
    const sent = await again.client.share({ bytes: Buffer.alloc(20 * KiB, 9), fileName: "f.bin" }).done;
    const status = await again.client.status(sent.reference);
    expect(status.state).toBe("available");
    expect(Number.isInteger(status.expiresAt)).toBe(true);
    // Read every 0.4 ms of monotonic time: the time still advances (rounding must not stall it).
    const before = (await again.client.status(sent.reference)).expiresAt as number;
    for (let i = 0; i < 100; i++) {
      fractional.m += 0.4;
      await again.client.status(sent.reference);
    }
    const later = await again.client.share({ bytes: Buffer.alloc(20 * KiB, 8), fileName: "g.bin" }).done;
    expect((await again.client.status(later.reference)).expiresAt).toBeGreaterThanOrEqual(before + 39);
  });
});

describe("an app killed after it last read the time", () => {
  test("the next run, its clock set back, starts from that time: the floor is written as the time moves, not only at stop()", async () => {
    const dir = tempDir();
    const child = await runScript("test/storage/support/clock-floor-kill-child.ts", [dir, String(START)]);
    expect(child.signal).toBe("SIGKILL");
    const reference = readFileSync(join(dir, "reference"));
    const device: Device = { t: START + 2 * DAY, m: 0 };
    const { client } = await startClient({ dir, statePath: join(dir, "state.sqlite"), dataDir: join(dir, "data"), backend: localStore(join(dir, "store")), clock: deviceClock(device) });
    expect((await client.status(reference)).state).toBe("available");
    pass(device, 7 * DAY + 1);
    expect((await client.status(reference)).state).toBe("expiring");
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed.length).toBeGreaterThan(0);
  });
});
