/**
 * A piece only the network can renew (past its expiry, its source gone) is given up for good once a
 * read after its expiry finds it nowhere (settings `renewal-network-read:<cid>` with ` nowhere`). A
 * network that silently drops connections (a hotel's Wi-Fi, a phone between cells) looks just like
 * Codex hanging on a block it lost: every attempt times out, or breaks off. Taking that for "nowhere"
 * gave up a piece the node still held while the device was merely offline: no later run read it,
 * and the file expired for every receiver. Only a definite answer gives a piece up: the endpoint's
 * own "not found", or its /exists saying it lacks the piece.
 */
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import type { ProxyFault } from "../support/fault-proxy/index.js";
import { startClient } from "./support/client-fixture.js";
import { codexSetup, proxySetup } from "./codex-fixtures.js";
import { DAY, NEXT_INTERVAL, sharedThenSourceGone } from "./support/source-gone-piece.js";

const RETRY = { baseDelayMs: 1, maxDelayMs: 5, attemptTimeoutMs: 5_000, maxAttempts: 2 } as const;

describe("a network read past a piece's expiry on a network that drops connections", () => {
  const faults: Array<[string, ProxyFault]> = [
    ["nothing comes back (every request hangs)", { kind: "hang", phase: "before-headers" }],
    ["every answer breaks off (reset after its first byte)", { kind: "reset-mid-body", afterBytes: 1 }],
  ];
  test.each(faults)("%s: the piece is not given up; once the network is back it is read and renewed", async (_name, fault) => {
    const { proxy, backend } = await proxySetup({ randomFaults: [fault] }, { requestTimeoutMs: 400 });
    const { client, clock, start, cid, reference } = await sharedThenSourceGone({ backend, renewEveryMs: 0, retry: RETRY });
    // Past its expiry (the app not opened for a month); the node still holds the piece (not swept yet).
    clock.t = start + 31 * DAY;
    proxy.setFaultRate(1);
    expect(await client.renewDue()).toEqual({ renewed: [], failed: [{ cid, code: "E_SOURCE_MISSING" }] });
    expect(proxy.stats.injected[fault.kind] ?? 0).toBeGreaterThan(0);
    // Back on a working network an interval later: the piece is read from the node and stored again.
    proxy.setFaultRate(0);
    clock.t += NEXT_INTERVAL;
    expect(await client.renewDue()).toEqual({ renewed: [cid], failed: [] });
    expect((await client.status(reference)).state).toBe("available");
  });
});

describe("a network read past a piece's expiry that Codex answers by hanging (a block it lost)", () => {
  test("gives the piece up once the node's /exists answers that it lacks it: no later run reads it", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 400 });
    server.behaviour.missingContent = "hang";
    const { client, clock, start, cid, reference } = await sharedThenSourceGone({ backend, renewEveryMs: 0, retry: RETRY });
    await backend.delete(cid);
    clock.t = start + 31 * DAY;
    const reads = (): number => server.stats.byRoute.download ?? 0;
    expect(await client.renewDue()).toEqual({ renewed: [], failed: [{ cid, code: "E_SOURCE_MISSING" }] });
    const before = reads();
    expect(before).toBeGreaterThan(0);
    clock.t += NEXT_INTERVAL;
    expect(await client.renewDue()).toEqual({ renewed: [], failed: [{ cid, code: "E_SOURCE_MISSING" }] });
    expect(reads()).toBe(before);
    expect(await client.status(reference)).toEqual({ state: "expired", expiresAt: start + 30 * DAY });
  });
});

describe("a network read past a piece's expiry that not every endpoint was asked", () => {
  test("one endpoint's 'not found' does not give the piece up while another, never read, holds it", async () => {
    const lacking = await codexSetup({ requestTimeoutMs: 400 });
    const holding = await codexSetup({ requestTimeoutMs: 400 });
    const first = await sharedThenSourceGone({
      mode: "light",
      endpointOrder: "listed",
      endpoints: [lacking.backend, holding.backend],
      backend: undefined,
      renewEveryMs: 0,
      // One attempt: the read ends with the first endpoint's 404, the second never tried.
      retry: { ...RETRY, maxAttempts: 1 },
    });
    const { client, clock, start, cid } = first;
    // Held by the second endpoint only (the first lost it).
    const bytes = await lacking.backend.get(cid);
    const chunks: Uint8Array[] = [];
    for await (const chunk of bytes.body) chunks.push(chunk);
    expect(await holding.backend.put(Buffer.concat(chunks))).toBe(cid);
    await lacking.backend.delete(cid);
    clock.t = start + 31 * DAY;
    expect(await client.renewDue()).toEqual({ renewed: [], failed: [{ cid, code: "E_SOURCE_MISSING" }] });
    expect(holding.server.stats.byRoute.download ?? 0).toBe(0);
    // An interval later (the policy allowing more attempts now) it is read from the endpoint that has it.
    clock.t += NEXT_INTERVAL;
    await client.stop();
    const again = await startClient({ ...first.options, retry: RETRY });
    expect(await again.client.renewDue()).toEqual({ renewed: [cid], failed: [] });
  });
});

describe("a piece an earlier build gave up on a silent network", () => {
  test("its marker (' nowhere', written after timeouts alone) counts as a read only: an interval later the piece is read again and renewed", async () => {
    const { backend } = await codexSetup({ requestTimeoutMs: 400 });
    const first = await sharedThenSourceGone({ backend, renewEveryMs: 0, retry: RETRY });
    const { clock, start, cid } = first;
    await first.client.stop();
    // What such a build left: a read past the expiry, taken for 'nowhere' though the node held the piece.
    const readAt = start + 31 * DAY;
    const db = new Database(first.statePath);
    db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)").run(`renewal-network-read:${cid}`, `${readAt} nowhere`);
    db.close();
    clock.t = readAt + NEXT_INTERVAL;
    const { client } = await startClient(first.options);
    expect(await client.renewDue()).toEqual({ renewed: [cid], failed: [] });
  });
});
