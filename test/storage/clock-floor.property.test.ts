/**
 * The floored clock against a model of real time: whatever the device clock does (set back by up
 * to the renewal horizon, put right, asleep with the monotonic clock stopped, the process restarted
 * after time off), the time it gives is whole milliseconds, never earlier than the device clock,
 * never later than the real time (the device clock never ran ahead here), never going back within a
 * run, and behind the real time by nothing (plus the 1 s jitter) while the device clock, running on
 * through sleep and time off, stays behind the floor; by at most its lag once sleeps or time off
 * as long as that lag let it catch up (the sleeps since the clock last measured from the real time
 * add up); and by the steps back smaller than the jitter, which the clock holds still for instead of
 * measuring them.
 * The floor lives in a real SQLite file, as in a client's state.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, onTestFinished, test } from "vitest";
import { silentLogger } from "../../src/obs/index.js";
import { FlooredClock } from "../../src/storage/floored-clock.js";
import { tempDir } from "../support/temp-dir.js";

const DAY = 24 * 60 * 60 * 1000;
const HORIZON = 33 * DAY;
const JITTER = 1_000;

type Step =
  | { kind: "pass"; ms: number }
  | { kind: "setBack"; ms: number }
  | { kind: "putRight" }
  | { kind: "sleep"; ms: number }
  | { kind: "restart"; offMs: number }
  | { kind: "read" };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("pass" as const), ms: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 10 * DAY })) }),
  fc.record({ kind: fc.constant("setBack" as const), ms: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 20 * DAY })) }),
  fc.record({ kind: fc.constant("putRight" as const) }),
  fc.record({ kind: fc.constant("sleep" as const), ms: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 10 * DAY })) }),
  fc.record({ kind: fc.constant("restart" as const), offMs: fc.integer({ min: 0, max: 3 * DAY }) }),
  fc.record({ kind: fc.constant("read" as const) }),
);

describe("the floored clock against real time", () => {
  test("never earlier than the device clock, never later than real time, whole ms, never back within a run, and behind real time only by the device clock's lag once a sleep or time off let it catch up", () => {
    // One file for every run, emptied at each run's start (a fresh state as far as the clock reads),
    // in WAL with synchronous NORMAL as a client's state (state-file.ts): a new file per run, in the
    // default rollback journal, made the 300 runs wait ~16 s on fsync.
    const db = new Database(join(tempDir(), "state.sqlite"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec(`CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT`);
    onTestFinished(() => void db.close());
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 999 }), (steps, fraction) => {
        db.exec("DELETE FROM settings");
        let real = Date.UTC(2026, 0, 1);
        let behind = 0;
        // The monotonic clock of the current process, in fractions as performance.now() is.
        let mono = fraction / 1000;
        let lost = 0;
        // Time asleep (the monotonic clock stopped) since the clock last measured from the real time:
        // the device clock, behind by `behind`, is taken for right once these sleeps close that gap.
        let slept = 0;
        // Steps back smaller than the jitter hold the time still instead of being measured (NTP's
        // corrections): each may leave its size undetected until the clock is put right.
        let undetected = 0;
        const device = { now: () => real - behind, monotonic: () => mono };
        const open = (): FlooredClock => new FlooredClock(device, db, { maxLeadMs: HORIZON, log: silentLogger() });
        let clock = open();
        let last = -Infinity;
        const check = (): void => {
          const now = clock.now();
          expect(Number.isInteger(now)).toBe(true);
          expect(now).toBeGreaterThanOrEqual(Math.floor(real - behind));
          expect(now).toBeLessThanOrEqual(real);
          expect(now).toBeGreaterThanOrEqual(last);
          expect(now).toBeGreaterThanOrEqual(real - JITTER - lost - undetected);
          last = now;
        };
        for (const s of steps) {
          if (s.kind === "pass") {
            real += s.ms;
            mono += s.ms;
          } else if (s.kind === "setBack") {
            const before = behind;
            behind = Math.min(behind + s.ms, HORIZON - DAY);
            // A step back re-anchors the clock on the time it had reached, sleeps counted.
            if (behind > before) slept = 0;
            if (s.ms < JITTER) undetected += behind - before;
          } else if (s.kind === "putRight") {
            behind = 0;
            lost = 0;
            slept = 0;
            undetected = 0;
          } else if (s.kind === "sleep") {
            real += s.ms;
            slept += s.ms;
            // The device clock reaching the floor's time (as the monotonic clock measured it, so after
            // every sleep since the anchor, not only this one) is taken for right again.
            if (behind > 0 && slept + lost + undetected + JITTER >= behind) lost = Math.max(lost, behind);
          } else if (s.kind === "restart") {
            clock.flush();
            real += s.offMs;
            // The device clock runs while the process is off, and counts that time while it reads behind the floor.
            if (behind > 0 && s.offMs + lost + undetected + JITTER >= behind) lost = Math.max(lost, behind);
            slept = 0;
            mono = fraction / 1000;
            clock = open();
            last = -Infinity;
          }
          check();
        }
      }),
      { numRuns: 300 },
    );
  });
});
