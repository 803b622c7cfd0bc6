import type Database from "better-sqlite3";
import type { Logger } from "../obs/index.js";
import { LEVEL1_SQL } from "../state/index.js";
import type { Clock } from "./client-options.js";
import { clockThrew } from "./clock-threw.js";

/**
 * The settings key holding the floor: decimal milliseconds since the epoch. A release before it
 * ignores the key; a later one must keep reading it as a lower bound on the time.
 */
export const CLOCK_FLOOR_KEY = "storage-clock-floor";

/**
 * A device clock reading earlier than this was reset (a dead battery, a factory reset), not put
 * right: no release of this library ran before it. Such a reading never overrides the floor.
 */
export const EARLIEST_PLAUSIBLE_MS = Date.UTC(2025, 0, 1);

/**
 * The settings key pairing the floor with the device clock's reading when the floor was that time:
 * `<floor> <device reading>`, decimal ms. The next run counts what the device clock ran since (time
 * off while it read behind the floor). Taken only while its floor is the floor key's value (a
 * release before it writes the floor alone, leaving the pair stale). A release before it ignores it.
 */
export const CLOCK_FLOOR_DEVICE_KEY = "storage-clock-floor-device";

/** The floor is written when it has moved this much since the last write (and at stop): not on every reading. */
export const FLOOR_WRITE_EVERY_MS = 60_000;

/** Steps back smaller than this (NTP slewing, rounding) hold the time still rather than start extrapolating. */
const JITTER_MS = 1_000;

export interface FlooredClockOptions {
  /**
   * A floor further ahead of the device clock than this is dropped (taken for a clock that ran
   * ahead and was put right): the client passes `ttlMs + renewBeforeMs`, the horizon past which
   * renewal already distrusts an expiry.
   */
  readonly maxLeadMs: number;
  readonly log: Logger;
}

/**
 * A clock that does not go back: the device clock, or, while the device clock reads earlier than a
 * time already seen (set back by the user, reset after a dead battery), that time plus the time
 * passed since: the larger of what the monotonic clock and the device clock itself measured. The
 * monotonic clock stops while a phone sleeps on some platforms and starts over at boot; the device
 * clock, however wrong, runs on, so its advances count too. The latest time is kept in the state
 * (`settings`) with the device clock's reading then, so a clock set back between two runs is caught,
 * and the time off counted as the device clock ran meanwhile (a clock reset meanwhile, reading
 * earlier than then, leaves the time off unknown: the next run goes on from the last time seen).
 * The device clock is right again once it reads the time the monotonic clock measured from the
 * floor, or later (a clock put right steps forward, which is no time passed), so a sleep or time
 * off longer than the clock's lag still loses up to that lag.
 *
 * Its errors are on the early side, which renewal can afford (an early renewal costs a renewal;
 * a late one loses the file for every receiver): a clock that ran ahead and was put right leaves
 * the floor ahead of the real time, and pieces are renewed early, once (that lead lasts until the
 * device clock catches up: awake both move alike; one sleep or time off as long as the lead does it);
 * a clock set forward while it still reads behind counts that step as time passed. A floor ahead by more than
 * `maxLeadMs` is dropped: past that lead every expiry journaled on it is distrusted by renewal
 * anyway (renewed at once), so it would only make every file look expired.
 *
 * Elapsed time comes from the device clock's `monotonic()` (performance.now() for the system
 * clock); an injected clock without one gives none: while it reads behind the floor, the floor
 * holds still (tests move such a clock by hand; an application's clock should carry one).
 */
export class FlooredClock implements Clock {
  /** The latest time given, whole ms (the journal's columns are STRICT integers). */
  private latest: number;
  /** The device clock's reading when `latest` was given. */
  private latestDevice: number;
  /**
   * The time, monotonic reading and device reading extrapolation runs from: re-anchored when the
   * device clock is right, or steps back (what it ran before stays counted), so rounding never stalls it.
   */
  private anchor: { time: number; at: number; device: number };
  /** The previous reading of the device clock and the monotonic clock, to see the device clock step back. */
  private previous: { device: number; at: number };
  /** The value the state holds, as far as this clock knows. */
  private written: number | undefined;
  /** The device reading written with it. */
  private writtenDevice: number | undefined;
  /** The last value a write was tried for, and its device reading: a state refusing writes (a full disk, another writer's lock) is not asked on every reading. */
  private tried: { time: number; device: number } | undefined;
  private writeFailed = false;
  private readonly monotonicMs: () => number;
  private readonly getFloor: Database.Statement;
  private readonly putFloor: Database.Statement;

  constructor(
    private readonly device: Clock,
    private readonly db: Database.Database,
    private readonly options: FlooredClockOptions,
  ) {
    this.monotonicMs = device.monotonic === undefined ? () => 0 : () => deviceReading("monotonic", () => (device.monotonic as () => number)());
    this.getFloor = db.prepare(LEVEL1_SQL.getSetting).pluck();
    this.putFloor = db.prepare(LEVEL1_SQL.upsertSetting);
    const stored = parseFloor(this.getFloor.get(CLOCK_FLOOR_KEY));
    const pair = parsePair(this.getFloor.get(CLOCK_FLOOR_DEVICE_KEY));
    const storedDevice = pair !== undefined && pair.floor === stored ? pair.device : undefined;
    this.written = stored;
    this.writtenDevice = storedDevice;
    this.tried = stored === undefined ? undefined : { time: stored, device: storedDevice ?? Number.NaN };
    const reading = deviceReading("now", () => device.now());
    const now = Math.floor(reading);
    if (stored !== undefined && this.tooFarAhead(stored, now)) {
      this.dropped(stored, now);
      this.latest = now;
    } else {
      // Still behind the floor: the time off counts as the device clock ran meanwhile (nothing when it
      // reads earlier than then: reset meanwhile, or no reading kept). At or past it: the device is right.
      const off = storedDevice !== undefined && now > storedDevice ? now - storedDevice : 0;
      this.latest = stored === undefined || now >= stored ? now : stored + off;
    }
    this.latestDevice = now;
    const at = this.monotonicMs();
    this.anchor = { time: this.latest, at, device: reading };
    this.previous = { device: reading, at };
  }

  /** The device clock's own reading (what it says, set back or not). */
  deviceNow(): number {
    return deviceReading("now", () => this.device.now());
  }

  now(): number {
    const reading = deviceReading("now", () => this.device.now());
    const device = Math.floor(reading);
    const at = this.monotonicMs();
    if (reading < this.previous.device) {
      // Stepped back: its advances count again from here; the time up to the previous reading stays, and the monotonic clock's since.
      this.anchor = { time: this.elapsedFrom(this.previous.device, this.previous.at) + (at - this.previous.at), at, device: reading };
    }
    this.previous = { device: reading, at };
    // Right again is judged on the monotonic clock alone: a clock put right steps forward, which is no time passed.
    const measured = Math.floor(this.anchor.time + Math.max(0, at - this.anchor.at));
    const extrapolated = Math.floor(this.elapsedFrom(reading, at));
    let now: number;
    if (device >= measured - JITTER_MS) {
      now = Math.max(device, this.latest);
      this.anchor = { time: now, at, device: reading };
    } else if (this.tooFarAhead(extrapolated, device)) {
      this.dropped(extrapolated, device);
      now = device;
      this.anchor = { time: now, at, device: reading };
    } else now = Math.max(extrapolated, this.latest);
    this.latest = now;
    this.latestDevice = device;
    const tried = this.tried;
    // Also when the lead over the device clock changed (a clock set back): the next run counts its time off from the device reading written.
    if (tried === undefined || now - tried.time >= FLOOR_WRITE_EVERY_MS || now < tried.time || !(Math.abs(now - device - (tried.time - tried.device)) < FLOOR_WRITE_EVERY_MS)) {
      this.write(now, device);
    }
    return now;
  }

  /** Writes the latest time and its device reading if they moved since the last write (at stop: the next run starts from them). */
  flush(): void {
    if (this.written !== this.latest || this.writtenDevice !== this.latestDevice) this.write(this.latest, this.latestDevice);
  }

  /** The anchor's time plus the time passed since, by whichever clock counted more (the monotonic one stops in a phone's sleep). */
  private elapsedFrom(reading: number, at: number): number {
    return this.anchor.time + Math.max(0, at - this.anchor.at, reading - this.anchor.device);
  }

  private tooFarAhead(floor: number, device: number): boolean {
    return floor - device > this.options.maxLeadMs && device >= EARLIEST_PLAUSIBLE_MS;
  }

  private dropped(floor: number, device: number): void {
    this.options.log.warn({ floor, device }, "the time floor was further ahead of the device clock than a renewal horizon; taken for a clock that ran ahead and was put right, dropped");
  }

  private write(value: number, device: number): void {
    // Not inside another write's transaction: a failed write there (a full disk) would roll it back.
    if (!this.db.open || this.db.inTransaction) return;
    this.tried = { time: value, device };
    try {
      // One transaction: a pair whose floor is not the floor's value is never read.
      this.db.transaction(() => {
        this.putFloor.run({ key: CLOCK_FLOOR_KEY, value: String(value) });
        this.putFloor.run({ key: CLOCK_FLOOR_DEVICE_KEY, value: `${value} ${device}` });
      })();
      this.written = value;
      this.writtenDevice = device;
    } catch (error) {
      // The time stays right for this run; only the next run may start from an older floor.
      if (!this.writeFailed) this.options.log.warn({ code: (error as { code?: string }).code }, "the time floor could not be written");
      this.writeFailed = true;
    }
  }
}

/** The device clock's reading behind a client's clock (the same reading when it has no floor). */
export function deviceTime(clock: Clock): number {
  return clock instanceof FlooredClock ? clock.deviceNow() : clock.now();
}

/** `<floor> <device reading>` as written; anything else is no pair. */
function parsePair(value: unknown): { floor: number; device: number } | undefined {
  if (typeof value !== "string") return undefined;
  const [floor, device, ...rest] = value.split(" ");
  const pair = { floor: parseFloor(floor), device: parseFloor(device) };
  return rest.length > 0 || pair.floor === undefined || pair.device === undefined ? undefined : { floor: pair.floor, device: pair.device };
}

function parseFloor(value: unknown): number | undefined {
  if (typeof value !== "string" || !/^\d{1,16}$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * A reading of the application's clock; what it throws (a clock port whose native part went away, a
 * mock run out of values) is the layer's typed error naming the option, the thrown value as cause:
 * raw, it failed start() untyped, and a share or fetch journaling a transition as E_INTERNAL, "a bug".
 */
function deviceReading(method: "now" | "monotonic", read: () => number): number {
  try {
    return read();
  } catch (cause) {
    throw clockThrew(method, cause);
  }
}
