/**
 * How far an upload's slices may run ahead of the socket (UploadAhead): far on a link that drains
 * quickly (fewer waits: CPU), one slice on a slow one, where slices queued together go out in one
 * writev whose progress comes only at its end.
 */
import { describe, expect } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { UploadAhead } from "../../src/storage/backends/codex/upload-ahead.js";

const SLICE = 64 * 1024;

describe("UploadAhead", () => {
  test("starts at one slice and doubles with each quick drain up to 1 MiB", () => {
    const ahead = new UploadAhead(SLICE);
    const seen = [ahead.bytes];
    for (let i = 0; i < 6; i++) {
      ahead.drained(1);
      seen.push(ahead.bytes);
    }
    expect(seen).toEqual([64, 128, 256, 512, 1024, 1024, 1024].map((k) => k * 1024));
  });

  test("falls back to one slice after a slow drain, and holds between the two thresholds", () => {
    const ahead = new UploadAhead(SLICE);
    for (let i = 0; i < 4; i++) ahead.drained(0);
    expect(ahead.bytes).toBe(1024 * 1024);
    ahead.drained(UploadAhead.SLOW_DRAIN_MS);
    expect(ahead.bytes).toBe(1024 * 1024);
    ahead.drained(UploadAhead.SLOW_DRAIN_MS + 1);
    expect(ahead.bytes).toBe(SLICE);
    ahead.drained(UploadAhead.FAST_DRAIN_MS + 1);
    expect(ahead.bytes).toBe(SLICE);
  });

  test.prop([fc.array(fc.double({ min: 0, max: 10_000, noNaN: true }), { maxLength: 200 })])(
    "whatever the drain times, the budget stays between one slice and 1 MiB, and is one slice after any drain slower than SLOW_DRAIN_MS",
    (times) => {
      const ahead = new UploadAhead(SLICE);
      for (const ms of times) {
        ahead.drained(ms);
        expect(ahead.bytes).toBeGreaterThanOrEqual(SLICE);
        expect(ahead.bytes).toBeLessThanOrEqual(UploadAhead.MAX_AHEAD_BYTES);
        if (ms > UploadAhead.SLOW_DRAIN_MS) expect(ahead.bytes).toBe(SLICE);
      }
    },
  );
});
