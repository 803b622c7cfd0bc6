/**
 * An HTTP date is always GMT (RFC 9110 §5.6.7). 9fbcace read the asctime form, which names no zone,
 * as GMT, but a Retry-After (or a Date) in the other forms with the zone left off (a gateway that
 * formats its dates by hand: "Fri, 27 Nov 2026 08:00:10") was still read as the device's local
 * time: a phone in New York waited 5 h (cut to the policy's 5 min cap) instead of the gateway's
 * 10 s, one in Tokyo not at all. Every zone-less date is now read as GMT, wherever the device is.
 */
import { describe, expect, test } from "vitest";
import { parseRetryAfter } from "../../src/storage/backends/codex/retry-after.js";

function inEachZone(check: (zone: string) => void): void {
  const saved = process.env["TZ"];
  try {
    for (const zone of ["America/New_York", "Asia/Tokyo", "UTC"]) {
      process.env["TZ"] = zone;
      check(zone);
    }
  } finally {
    if (saved === undefined) delete process.env["TZ"];
    else process.env["TZ"] = saved;
  }
}

describe("Retry-After dates without a zone", () => {
  const now = Date.parse("Fri, 27 Nov 2026 08:00:00 GMT");

  test("the IMF-fixdate and RFC 850 forms without their GMT are read as GMT in every time zone", () => {
    inEachZone((zone) => {
      expect(parseRetryAfter("Fri, 27 Nov 2026 08:00:10", now), zone).toBe(10_000);
      expect(parseRetryAfter("Friday, 27-Nov-26 08:00:10", now), zone).toBe(10_000);
    });
  });

  test("an answer's Date without its zone is read as GMT too", () => {
    inEachZone((zone) => {
      expect(parseRetryAfter("Fri, 27 Nov 2026 08:00:40 GMT", now, "Fri, 27 Nov 2026 08:00:30"), zone).toBe(10_000);
    });
  });

  test("dates that name their zone keep it", () => {
    inEachZone((zone) => {
      expect(parseRetryAfter("Fri, 27 Nov 2026 08:00:10 GMT", now), zone).toBe(10_000);
      expect(parseRetryAfter("Fri, 27 Nov 2026 09:00:10 +0100", now), zone).toBe(10_000);
      expect(parseRetryAfter("Fri, 27 Nov 2026 08:00:10 UTC", now), zone).toBe(10_000);
    });
  });
});
