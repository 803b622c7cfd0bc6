/**
 * A Codex node whose storage is full refuses a block it lacks (E_QUOTA_EXCEEDED) but stores again
 * one it holds, with no room needed, keeping the later expiry (nim-codex repostore: putBlock updates
 * the quota only for a block it newly stored; docs/storage.md, "What a real Codex node does with a
 * renewal"). So a renewal run on a full node whose first due piece was one the node lost (sealed
 * again from its source, refused) must still renew the pieces the node holds: reporting them all
 * failed for the full store, run after run, let every file on the node expire for every receiver
 * while only the lost piece needed room. Pieces the node lacks are still not sent once it refused one.
 */
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, localStore, startClient } from "./support/client-fixture.js";
import { copyPiece, DAY, fullUnlessHeld, sharePhotos } from "./support/full-node-renewal.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** A client of one node (full mode) on a clock of the test's, renewing only when told. */
async function onOneNode() {
  const dir = tempDir("scc-renew-full-held-");
  const node = new InstrumentedBackend(localStore(`${dir}/store`));
  const clock = { t: Date.UTC(2026, 0, 1) };
  const { client } = await startClient({ dir, backend: node, clock: { now: () => clock.t }, renewEveryMs: 0, retry: FAST_RETRY });
  return { dir, node, clock, client };
}

/** A light client of two endpoints a and b, in that order, on a clock of the test's. */
async function onTwoEndpoints() {
  const dir = tempDir("scc-renew-full-held-");
  const a = new InstrumentedBackend(localStore(`${dir}/a`), "a");
  const b = new InstrumentedBackend(localStore(`${dir}/b`), "b");
  const clock = { t: Date.UTC(2026, 0, 1) };
  const { client } = await startClient({
    dir,
    mode: "light",
    endpointOrder: "listed",
    endpoints: [a, b],
    backend: undefined,
    clock: { now: () => clock.t },
    renewEveryMs: 0,
    retry: FAST_RETRY,
  });
  return { dir, a, b, clock, client };
}

/** What a node answers for a piece whose manifest it kept but whose blocks it lost: it says it has it, and cannot serve it. */
function truncated(cid: string): StorageError {
  return new StorageError("E_TRUNCATED", `the body of ${cid} ended early`);
}

describe("renewal on a full node that lost one piece", () => {
  test("renews the pieces the node still holds, and sends none of the others it lacks once it refused one", async () => {
    const { dir, node, clock, client } = await onOneNode();
    // Three photos, one piece each: the oldest and the newest lost by the node, the middle one still held.
    const [lost, held] = await sharePhotos(client, dir, clock, ["lost.jpg", "held.jpg"]);
    clock.t += 60_000;
    const [alsoLost] = await sharePhotos(client, dir, clock, ["also-lost.jpg"]);
    const [lostCid, heldCid, alsoLostCid] = [lost!.cid, held!.cid, alsoLost!.cid];
    const heldDigest = node.putDigests[1]!;
    await node.delete(lostCid);
    await node.delete(alsoLostCid);
    // The node's storage is full: it refuses what it would have to find room for.
    const before = node.putDigests.length;
    fullUnlessHeld(node, "test", [heldDigest]);
    clock.t += 28 * DAY;
    const report = await client.renewDue();
    expect(report.renewed).toEqual([heldCid]);
    expect(report.failed).toEqual([
      { cid: lostCid, code: "E_QUOTA_EXCEEDED" },
      { cid: alsoLostCid, code: "E_QUOTA_EXCEEDED" },
    ]);
    // The lost piece that was refused and the held one; the other lost one was not sent to be refused.
    const sent = node.putDigests.slice(before);
    expect(sent.length).toBe(2);
    expect(sent[1]).toBe(heldDigest);
    expect((await client.status(held!.reference)).state).toBe("available");
    await client.stop();
  });

  test("past their expiry too (the app not opened for a month): those the node still holds are renewed after it refused a lost one", async () => {
    const { dir, node, clock, client } = await onOneNode();
    const [lost, held] = await sharePhotos(client, dir, clock, ["lost.jpg", "held.jpg"]);
    await node.delete(lost!.cid);
    fullUnlessHeld(node, "test", [node.putDigests[1]!]);
    // Both journaled expiries passed (the node has not swept the held one yet).
    clock.t += 35 * DAY;
    const report = await client.renewDue();
    expect(report.renewed).toEqual([held!.cid]);
    expect(report.failed).toEqual([{ cid: lost!.cid, code: "E_QUOTA_EXCEEDED" }]);
    await client.stop();
  });
});

/** A loopback port nothing listens on: connections to it are refused (an endpoint that is down). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("renewal in light mode with one endpoint full and the other down", () => {
  test("is no outage: the full endpoint still renews the pieces it holds after it refused a lost one", async () => {
    const dir = tempDir("scc-renew-full-held-");
    const full = new InstrumentedBackend(localStore(`${dir}/store`), "full");
    const down = createCodexBackend({ url: `http://127.0.0.1:${await closedPort()}`, requestTimeoutMs: 2_000 });
    onTestFinished(() => down.close());
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client } = await startClient({
      dir,
      mode: "light",
      endpointOrder: "listed",
      endpoints: [full, down],
      backend: undefined,
      clock: { now: () => clock.t },
      renewEveryMs: 0,
      retry: { ...FAST_RETRY, maxAttempts: 4 },
    });
    const [lost, held] = await sharePhotos(client, dir, clock, ["lost.jpg", "held.jpg"]);
    await full.delete(lost!.cid);
    fullUnlessHeld(full, "test", [full.putDigests[1]!]);
    clock.t += 28 * DAY;
    const report = await client.renewDue();
    expect(report.renewed).toEqual([held!.cid]);
    expect(report.failed).toEqual([{ cid: lost!.cid, code: "E_QUOTA_EXCEEDED" }]);
    await client.stop();
  });
});

describe("renewal on a full node that kept a piece's manifest but lost its blocks", () => {
  test("takes that piece for one the node lacks: its refusal does not stop the renewal of the pieces the node holds", async () => {
    const { dir, node, clock, client } = await onOneNode();
    const [broken, held] = await sharePhotos(client, dir, clock, ["broken.jpg", "held.jpg"]);
    // The node says it has the broken piece (/exists looks at the manifest) but cannot serve it.
    node.beforeGet = (cid) => {
      if (cid === broken!.cid) throw truncated(cid);
    };
    fullUnlessHeld(node, "test", [node.putDigests[1]!]);
    clock.t += 28 * DAY;
    const report = await client.renewDue();
    expect(report.renewed).toEqual([held!.cid]);
    expect(report.failed).toEqual([{ cid: broken!.cid, code: "E_QUOTA_EXCEEDED" }]);
    await client.stop();
  });
});

describe("renewal in light mode with every endpoint full", () => {
  test("renews a piece the first endpoint lacks and another holds after a lost one was refused", async () => {
    const { dir, a, b, clock, client } = await onTwoEndpoints();
    const [lost, moved] = await sharePhotos(client, dir, clock, ["lost.jpg", "moved.jpg"]);
    // The second photo's piece is on b only (a dropped it; b had it from another client); the first is on neither.
    const movedDigest = await copyPiece(a, b, moved!.cid);
    await a.delete(moved!.cid);
    await a.delete(lost!.cid);
    // Both full: each refuses what it does not hold; b stores its own piece again.
    fullUnlessHeld(a, "a");
    fullUnlessHeld(b, "b", [movedDigest]);
    clock.t += 28 * DAY;
    const report = await client.renewDue();
    expect(report.renewed).toEqual([moved!.cid]);
    expect(report.failed).toEqual([{ cid: lost!.cid, code: "E_QUOTA_EXCEEDED" }]);
    await client.stop();
  });

  test("asks the other endpoints before passing over a piece the first cannot serve: one that holds it stores it again without room", async () => {
    const { dir, a, b, clock, client } = await onTwoEndpoints();
    const [lost, broken] = await sharePhotos(client, dir, clock, ["lost.jpg", "broken.jpg"]);
    // b holds the second photo's piece too (from another client); a kept its manifest but lost its blocks.
    const brokenDigest = await copyPiece(a, b, broken!.cid);
    await a.delete(lost!.cid);
    a.beforeGet = (cid) => {
      if (cid === broken!.cid) throw truncated(cid);
    };
    // Both full: a refuses everything (it would need room for each), b stores the piece it holds again.
    fullUnlessHeld(a, "a");
    fullUnlessHeld(b, "b", [brokenDigest]);
    clock.t += 28 * DAY;
    const report = await client.renewDue();
    expect(report.failed).toEqual([{ cid: lost!.cid, code: "E_QUOTA_EXCEEDED" }]);
    expect(report.renewed).toEqual([broken!.cid]);
    await client.stop();
  });
});

describe("renewal on a full node of a piece past its expiry whose source is gone", () => {
  test("the node still holding it (not swept yet), it is read and stored again though the store was found full after it was put off: not passed over unasked", async () => {
    const { dir, node, clock, client } = await onOneNode();
    // The oldest photo, deleted by the user after sending it (only a network read can renew it), comes first in the run.
    const [oldest, lost] = await sharePhotos(client, dir, clock, ["gone.jpg", "lost.jpg"]);
    rmSync(oldest!.path);
    await node.delete(lost!.cid);
    fullUnlessHeld(node, "test", [node.putDigests[0]!]);
    // Both past their journaled expiry (the app not opened for a month); the node has not swept the oldest yet.
    clock.t += 35 * DAY;
    const report = await client.renewDue();
    expect(report.renewed).toEqual([oldest!.cid]);
    expect(report.failed).toEqual([{ cid: lost!.cid, code: "E_QUOTA_EXCEEDED" }]);
    await client.stop();
  });
});

describe("renewal on a full node of a piece it cannot serve whose source is gone", () => {
  test("once the store is found full it is passed over in the last pass too, as in the first: not read from the network (stalling on such a node) only to be refused", async () => {
    const { dir, node, clock, client } = await onOneNode();
    // The oldest photo, deleted by the user after sending it, comes first in the run; the node kept its manifest but lost its blocks.
    const [broken, lost] = await sharePhotos(client, dir, clock, ["broken.jpg", "lost.jpg"]);
    rmSync(broken!.path);
    await node.delete(lost!.cid);
    let brokenReads = 0;
    node.beforeGet = (cid) => {
      if (cid !== broken!.cid) return;
      brokenReads++;
      throw truncated(cid);
    };
    fullUnlessHeld(node, "test");
    clock.t += 28 * DAY;
    const report = await client.renewDue();
    expect(report.renewed).toEqual([]);
    expect(report.failed).toEqual([
      { cid: lost!.cid, code: "E_QUOTA_EXCEEDED" },
      { cid: broken!.cid, code: "E_QUOTA_EXCEEDED" },
    ]);
    // Its one-attempt read back only.
    expect(brokenReads).toBe(1);
    await client.stop();
  });
});
