/**
 * A gateway's `Retry-After` as an HTTP date names a time on the gateway's clock. Measured against
 * the device clock, a phone whose clock is off (set back, a wrong timezone picked as UTC, running
 * ahead at boot before network time) cooled the endpoint for the policy's 5-minute cap instead of
 * the seconds asked (device behind), or not at all (device ahead), retrying it on its own backoff.
 * RFC 9110 §10.2.3: the delay is the date minus the answer's own `Date` when it has one.
 */
import { describe, expect, test } from "vitest";
import { parseRetryAfter } from "../../src/storage/backends/codex/retry-after.js";
import { codexSetup } from "./codex-fixtures.js";

const HOUR = 3_600_000;

/** The HTTP-date form of `ms` (whole seconds, as a gateway sends it). */
function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

describe("Retry-After as an HTTP date, against the answer's Date", () => {
  test("parseRetryAfter measures the date from the answer's Date when there is one, from the device clock otherwise", () => {
    const gatewayNow = Date.parse("Fri, 27 Nov 2026 08:00:00 GMT");
    const retryAt = httpDate(gatewayNow + 10_000);
    for (const deviceOff of [-HOUR, -30_000, 0, 30_000, HOUR]) {
      expect(parseRetryAfter(retryAt, gatewayNow + deviceOff, httpDate(gatewayNow)), `device clock off by ${deviceOff} ms`).toBe(10_000);
    }
    // No Date, or one that is not a date: the device clock is all there is.
    expect(parseRetryAfter(retryAt, gatewayNow + 4_000)).toBe(6_000);
    expect(parseRetryAfter(retryAt, gatewayNow + 4_000, "yesterday")).toBe(6_000);
    // Seconds are seconds, whatever Date says.
    expect(parseRetryAfter("7", gatewayNow, httpDate(gatewayNow - HOUR))).toBe(7_000);
    // A date at or before the answer's own: come back now.
    expect(parseRetryAfter(httpDate(gatewayNow - 5_000), gatewayNow - HOUR, httpDate(gatewayNow))).toBe(0);
  });

  test.each([
    ["an hour behind", -HOUR],
    ["an hour ahead of", HOUR],
  ])("a device clock %s the gateway's is asked to wait the 10 s the gateway meant", async (_, deviceOff) => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 2_000 });
    const cid = await backend.put(Buffer.alloc(1000, 3));
    const gatewayNow = Date.now() - deviceOff;
    server.inject("download", { kind: "status", status: 503, headers: { date: httpDate(gatewayNow), "retry-after": httpDate(gatewayNow + 10_000) } });
    const error = await backend.get(cid).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_BACKEND_HTTP", details: { status: 503 } });
    // Whole seconds on both headers: the gateway's 10 s, give or take the second the dates round away.
    const asked = (error as { details: { retryAfterMs: number } }).details.retryAfterMs;
    expect(asked).toBeGreaterThanOrEqual(9_000);
    expect(asked).toBeLessThanOrEqual(11_000);
  });
});
