import type Database from "better-sqlite3";
import type { Logger } from "../obs/index.js";
import { LEVEL1_SQL } from "../state/index.js";
import type { Clock } from "./client-options.js";

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
 * time already seen (set back by the user, reset after a dead battery), that time plus what the
 * monotonic clock measured since. The latest time is kept in the state (`settings`), so a clock
 * set back between two runs is caught too (the time the device spent off is not known: the next
 * run goes on from the last time seen).
 *
 * Its errors are on the early side, which renewal can afford (an early renewal costs a renewal;
 * a late one loses the file for every receiver): a clock that ran ahead and was put right leaves
 * the floor ahead of the real time, and pieces are renewed early, once. A floor ahead by more than
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
  /** The time and monotonic reading extrapolation runs from: re-anchored only when the device clock is right, so rounding never stalls it. */
  private anchor: { time: number; at: number };
  /** The value the state holds, as far as this clock knows. */
  private written: number | undefined;
  /** The last value a write was tried for: a state refusing writes (a full disk, another writer's lock) is not asked on every reading. */
  private tried: number | undefined;
  private writeFailed = false;
  private readonly monotonicMs: () => number;
  private readonly getFloor: Database.Statement;
  private readonly putFloor: Database.Statement;

  constructor(
    private readonly device: Clock,
    private readonly db: Database.Database,
    private readonly options: FlooredClockOptions,
  ) {
    this.monotonicMs = device.monotonic === undefined ? () => 0 : () => (device.monotonic as () => number)();
    this.getFloor = db.prepare(LEVEL1_SQL.getSetting).pluck();
    this.putFloor = db.prepare(LEVEL1_SQL.upsertSetting);
    const stored = parseFloor(this.getFloor.get(CLOCK_FLOOR_KEY));
    this.written = stored;
    this.tried = stored;
    const now = Math.floor(device.now());
    if (stored !== undefined && this.tooFarAhead(stored, now)) {
      this.dropped(stored, now);
      this.latest = now;
    } else this.latest = Math.max(stored ?? now, now);
    this.anchor = { time: this.latest, at: this.monotonicMs() };
  }

  /** The device clock's own reading (what it says, set back or not). */
  deviceNow(): number {
    return this.device.now();
  }

  now(): number {
    const device = Math.floor(this.device.now());
    const at = this.monotonicMs();
    const extrapolated = Math.floor(this.anchor.time + Math.max(0, at - this.anchor.at));
    let now: number;
    if (device >= extrapolated - JITTER_MS) {
      now = Math.max(device, this.latest);
      this.anchor = { time: now, at };
    } else if (this.tooFarAhead(extrapolated, device)) {
      this.dropped(extrapolated, device);
      now = device;
      this.anchor = { time: now, at };
    } else now = Math.max(extrapolated, this.latest);
    this.latest = now;
    if (this.tried === undefined || now - this.tried >= FLOOR_WRITE_EVERY_MS || now < this.tried) this.write(now);
    return now;
  }

  /** Writes the latest time if it moved since the last write (at stop: the next run starts from it). */
  flush(): void {
    if (this.written !== this.latest) this.write(this.latest);
  }

  private tooFarAhead(floor: number, device: number): boolean {
    return floor - device > this.options.maxLeadMs && device >= EARLIEST_PLAUSIBLE_MS;
  }

  private dropped(floor: number, device: number): void {
    this.options.log.warn({ floor, device }, "the time floor was further ahead of the device clock than a renewal horizon; taken for a clock that ran ahead and was put right, dropped");
  }

  private write(value: number): void {
    // Not inside another write's transaction: a failed write there (a full disk) would roll it back.
    if (!this.db.open || this.db.inTransaction) return;
    this.tried = value;
    try {
      this.putFloor.run({ key: CLOCK_FLOOR_KEY, value: String(value) });
      this.written = value;
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

function parseFloor(value: unknown): number | undefined {
  if (typeof value !== "string" || !/^\d{1,16}$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}
