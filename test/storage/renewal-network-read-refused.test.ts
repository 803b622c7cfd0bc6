/**
 * A piece only the network can renew (past its expiry, its source gone) is given up for good once
 * a read made after its expiry found it nowhere: the endpoints answered without it, or hung until
 * the attempts ran out (docs/storage.md). An endpoint that refused the read for a reason of its own,
 * not the piece's (507 Insufficient Storage from a node or a proxy whose disk is full, 501 from a
 * proxy that does not serve that route), said nothing about the piece: it is read again an interval
 * later, once that is put right, and renewed when the network still has it.
 */
import { describe, expect, test } from "vitest";
import { codexSetup } from "./codex-fixtures.js";
import { DAY, NEXT_INTERVAL, sharedThenSourceGone } from "./support/source-gone-piece.js";

const RETRY = { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 } as const;
const HOURS_6 = 6 * 60 * 60 * 1000;

describe("a network read refused for the endpoint's own reason", () => {
  for (const [status, body] of [
    [507, "Insufficient Storage"],
    [501, "Not Implemented"],
  ] as const) {
    test(`(${status}) does not give the piece up: it is read again an interval later and renewed`, async () => {
      const { server, backend } = await codexSetup({ requestTimeoutMs: 5_000 });
      const { client, clock, start, cid } = await sharedThenSourceGone({ backend, renewEveryMs: HOURS_6, retry: RETRY });
      // Past its expiry (the app not opened for a month); the node still holds it (a longer TTL).
      clock.t = start + 31 * DAY;
      server.inject("download", { kind: "status", status, body }, { times: 1_000 });
      const downloads = (): number => server.stats.byRoute.download ?? 0;
      const refused = await client.renewDue();
      expect(refused).toEqual({ renewed: [], failed: [{ cid, code: "E_SOURCE_MISSING" }] });
      expect(downloads()).toBeGreaterThan(0);
      // Put right on the node's side; an interval later the piece is read and stored again.
      server.clearFaults();
      clock.t += NEXT_INTERVAL;
      expect(await client.renewDue()).toEqual({ renewed: [cid], failed: [] });
      await client.stop();
    });
  }
});

describe("a network read across several endpoints", () => {
  test("one refusing it for its own reason (507) and the other answering without the piece does not give the piece up: it is renewed once the first has room again", async () => {
    const full = await codexSetup({ requestTimeoutMs: 5_000 });
    const lacking = await codexSetup({ requestTimeoutMs: 5_000 });
    const { client, clock, start, cid } = await sharedThenSourceGone({
      mode: "light",
      endpointOrder: "listed",
      endpoints: [full.backend, lacking.backend],
      backend: undefined,
      renewEveryMs: HOURS_6,
      retry: RETRY,
    });
    expect(await lacking.backend.has(cid)).toBe(false);
    clock.t = start + 31 * DAY;
    // The endpoint holding the piece has a full disk; the other never had it.
    full.server.inject("download", { kind: "status", status: 507, body: "Insufficient Storage" }, { times: 1_000 });
    expect(await client.renewDue()).toEqual({ renewed: [], failed: [{ cid, code: "E_SOURCE_MISSING" }] });
    expect(full.server.stats.byRoute.download ?? 0).toBeGreaterThan(0);
    expect(lacking.server.stats.byRoute.download ?? 0).toBeGreaterThan(0);
    full.server.clearFaults();
    clock.t += NEXT_INTERVAL;
    expect(await client.renewDue()).toEqual({ renewed: [cid], failed: [] });
    await client.stop();
  });
});

describe("a network read every endpoint answered without the piece", () => {
  test("past its expiry gives it up across several endpoints: no later run reads it", async () => {
    const a = await codexSetup({ requestTimeoutMs: 5_000 });
    const b = await codexSetup({ requestTimeoutMs: 5_000 });
    const { client, clock, start, cid } = await sharedThenSourceGone({
      mode: "light",
      endpointOrder: "listed",
      endpoints: [a.backend, b.backend],
      backend: undefined,
      renewEveryMs: HOURS_6,
      retry: RETRY,
    });
    await a.backend.delete(cid);
    clock.t = start + 31 * DAY;
    const reads = (): number => (a.server.stats.byRoute.download ?? 0) + (b.server.stats.byRoute.download ?? 0);
    expect(await client.renewDue()).toEqual({ renewed: [], failed: [{ cid, code: "E_SOURCE_MISSING" }] });
    const before = reads();
    expect(before).toBeGreaterThan(1);
    clock.t += NEXT_INTERVAL;
    expect(await client.renewDue()).toEqual({ renewed: [], failed: [{ cid, code: "E_SOURCE_MISSING" }] });
    expect(reads()).toBe(before);
    await client.stop();
  });
});
