/**
 * A Codex node whose storage is full refuses a block it lacks (E_QUOTA_EXCEEDED) but stores again
 * one it holds, with no room needed, keeping the later expiry (nim-codex repostore: putBlock updates
 * the quota only for a block it newly stored; docs/storage.md, "What a real Codex node does with a
 * renewal"). So a renewal run on a full node whose first due piece was one the node lost (sealed
 * again from its source, refused) must still renew the pieces the node holds: reporting them all
 * failed for the full store, run after run, let every file on the node expire for every receiver
 * while only the lost piece needed room. Pieces the node lacks are still not sent once it refused one.
 */
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const DAY = 24 * 60 * 60 * 1000;

function digest(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

describe("renewal on a full node that lost one piece", () => {
  test("renews the pieces the node still holds, and sends none of the others it lacks once it refused one", async () => {
    const dir = tempDir("scc-renew-full-held-");
    const node = new InstrumentedBackend(localStore(`${dir}/store`));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client } = await startClient({ dir, backend: node, clock: { now: () => clock.t }, renewEveryMs: 0, retry: FAST_RETRY });
    // Three photos, one piece each: the oldest and the newest lost by the node, the middle one still held.
    const lost = await client.share({ path: writeRandomFile(dir, "lost.jpg", 10 * KiB).path }).done;
    clock.t += DAY;
    const held = await client.share({ path: writeRandomFile(dir, "held.jpg", 10 * KiB).path }).done;
    clock.t += 60_000;
    const alsoLost = await client.share({ path: writeRandomFile(dir, "also-lost.jpg", 10 * KiB).path }).done;
    const [lostCid, heldCid, alsoLostCid] = [lost, held, alsoLost].map((s) => s.view.pieces[0]!.cid) as [string, string, string];
    const heldDigest = node.putDigests[1]!;
    await node.delete(lostCid);
    await node.delete(alsoLostCid);
    // The node's storage is full: it refuses what it would have to find room for.
    const sent: string[] = [];
    node.beforePut = (bytes) => {
      sent.push(digest(bytes));
      if (digest(bytes) !== heldDigest) throw new StorageError("E_QUOTA_EXCEEDED", "Codex node test could not store the upload: the node's storage is full");
    };
    clock.t += 28 * DAY;
    const report = await client.renewDue();
    expect(report.renewed).toEqual([heldCid]);
    expect(report.failed).toEqual([
      { cid: lostCid, code: "E_QUOTA_EXCEEDED" },
      { cid: alsoLostCid, code: "E_QUOTA_EXCEEDED" },
    ]);
    // The lost piece that was refused and the held one; the other lost one was not sent to be refused.
    expect(sent.length).toBe(2);
    expect(sent[1]).toBe(heldDigest);
    expect((await client.status(held.reference)).state).toBe("available");
    await client.stop();
  });

  test("past their expiry too (the app not opened for a month): those the node still holds are renewed after it refused a lost one", async () => {
    const dir = tempDir("scc-renew-full-held-");
    const node = new InstrumentedBackend(localStore(`${dir}/store`));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client } = await startClient({ dir, backend: node, clock: { now: () => clock.t }, renewEveryMs: 0, retry: FAST_RETRY });
    const lost = await client.share({ path: writeRandomFile(dir, "lost.jpg", 10 * KiB).path }).done;
    clock.t += DAY;
    const held = await client.share({ path: writeRandomFile(dir, "held.jpg", 10 * KiB).path }).done;
    const [lostCid, heldCid] = [lost, held].map((s) => s.view.pieces[0]!.cid) as [string, string];
    const heldDigest = node.putDigests[1]!;
    await node.delete(lostCid);
    node.beforePut = (bytes) => {
      if (digest(bytes) !== heldDigest) throw new StorageError("E_QUOTA_EXCEEDED", "Codex node test could not store the upload: the node's storage is full");
    };
    // Both journaled expiries passed (the node has not swept the held one yet).
    clock.t += 35 * DAY;
    const report = await client.renewDue();
    expect(report.renewed).toEqual([heldCid]);
    expect(report.failed).toEqual([{ cid: lostCid, code: "E_QUOTA_EXCEEDED" }]);
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
    const lost = await client.share({ path: writeRandomFile(dir, "lost.jpg", 10 * KiB).path }).done;
    clock.t += DAY;
    const held = await client.share({ path: writeRandomFile(dir, "held.jpg", 10 * KiB).path }).done;
    const [lostCid, heldCid] = [lost, held].map((s) => s.view.pieces[0]!.cid) as [string, string];
    const heldDigest = full.putDigests[1]!;
    await full.delete(lostCid);
    full.beforePut = (bytes) => {
      if (digest(bytes) !== heldDigest) throw new StorageError("E_QUOTA_EXCEEDED", "Codex node test could not store the upload: the node's storage is full");
    };
    clock.t += 28 * DAY;
    const report = await client.renewDue();
    expect(report.renewed).toEqual([heldCid]);
    expect(report.failed).toEqual([{ cid: lostCid, code: "E_QUOTA_EXCEEDED" }]);
    await client.stop();
  });
});

describe("renewal on a full node that kept a piece's manifest but lost its blocks", () => {
  test("takes that piece for one the node lacks: its refusal does not stop the renewal of the pieces the node holds", async () => {
    const dir = tempDir("scc-renew-full-held-");
    const node = new InstrumentedBackend(localStore(`${dir}/store`));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client } = await startClient({ dir, backend: node, clock: { now: () => clock.t }, renewEveryMs: 0, retry: FAST_RETRY });
    const broken = await client.share({ path: writeRandomFile(dir, "broken.jpg", 10 * KiB).path }).done;
    clock.t += DAY;
    const held = await client.share({ path: writeRandomFile(dir, "held.jpg", 10 * KiB).path }).done;
    const [brokenCid, heldCid] = [broken, held].map((s) => s.view.pieces[0]!.cid) as [string, string];
    const heldDigest = node.putDigests[1]!;
    // The node says it has the broken piece (/exists looks at the manifest) but cannot serve it.
    node.beforeGet = (cid) => {
      if (cid === brokenCid) throw new StorageError("E_TRUNCATED", `the body of ${cid} ended early`);
    };
    node.beforePut = (bytes) => {
      if (digest(bytes) !== heldDigest) throw new StorageError("E_QUOTA_EXCEEDED", "Codex node test could not store the upload: the node's storage is full");
    };
    clock.t += 28 * DAY;
    const report = await client.renewDue();
    expect(report.renewed).toEqual([heldCid]);
    expect(report.failed).toEqual([{ cid: brokenCid, code: "E_QUOTA_EXCEEDED" }]);
    await client.stop();
  });
});

describe("renewal in light mode with every endpoint full", () => {
  test("renews a piece the first endpoint lacks and another holds after a lost one was refused", async () => {
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
    const lost = await client.share({ path: writeRandomFile(dir, "lost.jpg", 10 * KiB).path }).done;
    clock.t += DAY;
    const moved = await client.share({ path: writeRandomFile(dir, "moved.jpg", 10 * KiB).path }).done;
    const [lostCid, movedCid] = [lost, moved].map((s) => s.view.pieces[0]!.cid) as [string, string];
    // The second photo's piece is on b only (a dropped it; b had it from another client); the first is on neither.
    const { body } = await a.get(movedCid);
    const bytes: Buffer[] = [];
    for await (const chunk of body) bytes.push(Buffer.from(chunk));
    expect(await b.put(Buffer.concat(bytes))).toBe(movedCid);
    await a.delete(movedCid);
    await a.delete(lostCid);
    const movedDigest = digest(Buffer.concat(bytes));
    // Both full: each refuses what it does not hold; b stores its own piece again.
    a.beforePut = () => {
      throw new StorageError("E_QUOTA_EXCEEDED", "Codex node a could not store the upload: the node's storage is full");
    };
    b.beforePut = (put) => {
      if (digest(put) !== movedDigest) throw new StorageError("E_QUOTA_EXCEEDED", "Codex node b could not store the upload: the node's storage is full");
    };
    clock.t += 28 * DAY;
    const report = await client.renewDue();
    expect(report.renewed).toEqual([movedCid]);
    expect(report.failed).toEqual([{ cid: lostCid, code: "E_QUOTA_EXCEEDED" }]);
    await client.stop();
  });
});


describe("renewal on a full node of a piece past its expiry whose source is gone", () => {
  test("the node still holding it (not swept yet), it is read and stored again though the store was found full after it was put off: not passed over unasked", async () => {
    const dir = tempDir("scc-renew-full-held-");
    const node = new InstrumentedBackend(localStore(`${dir}/store`));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client } = await startClient({ dir, backend: node, clock: { now: () => clock.t }, renewEveryMs: 0, retry: FAST_RETRY });
    // The oldest photo, deleted by the user after sending it (only a network read can renew it), comes first in the run.
    const gone = writeRandomFile(dir, "gone.jpg", 10 * KiB);
    const oldest = await client.share({ path: gone.path }).done;
    clock.t += DAY;
    const lost = await client.share({ path: writeRandomFile(dir, "lost.jpg", 10 * KiB).path }).done;
    const [oldestCid, lostCid] = [oldest, lost].map((s) => s.view.pieces[0]!.cid) as [string, string];
    const oldestDigest = node.putDigests[0]!;
    rmSync(gone.path);
    await node.delete(lostCid);
    node.beforePut = (bytes) => {
      if (digest(bytes) !== oldestDigest) throw new StorageError("E_QUOTA_EXCEEDED", "Codex node test could not store the upload: the node's storage is full");
    };
    // Both past their journaled expiry (the app not opened for a month); the node has not swept the oldest yet.
    clock.t += 35 * DAY;
    const report = await client.renewDue();
    expect(report.renewed).toEqual([oldestCid]);
    expect(report.failed).toEqual([{ cid: lostCid, code: "E_QUOTA_EXCEEDED" }]);
    await client.stop();
  });
});

describe("renewal on a full node of a piece it cannot serve whose source is gone", () => {
  test("once the store is found full it is passed over in the last pass too, as in the first: not read from the network (stalling on such a node) only to be refused", async () => {
    const dir = tempDir("scc-renew-full-held-");
    const node = new InstrumentedBackend(localStore(`${dir}/store`));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client } = await startClient({ dir, backend: node, clock: { now: () => clock.t }, renewEveryMs: 0, retry: FAST_RETRY });
    // The oldest photo, deleted by the user after sending it, comes first in the run; the node kept its manifest but lost its blocks.
    const gone = writeRandomFile(dir, "broken.jpg", 10 * KiB);
    const broken = await client.share({ path: gone.path }).done;
    clock.t += DAY;
    const lost = await client.share({ path: writeRandomFile(dir, "lost.jpg", 10 * KiB).path }).done;
    const [brokenCid, lostCid] = [broken, lost].map((s) => s.view.pieces[0]!.cid) as [string, string];
    rmSync(gone.path);
    await node.delete(lostCid);
    let brokenReads = 0;
    node.beforeGet = (cid) => {
      if (cid !== brokenCid) return;
      brokenReads++;
      throw new StorageError("E_TRUNCATED", `the body of ${cid} ended early`);
    };
    node.beforePut = () => {
      throw new StorageError("E_QUOTA_EXCEEDED", "Codex node test could not store the upload: the node's storage is full");
    };
    clock.t += 28 * DAY;
    const report = await client.renewDue();
    expect(report.renewed).toEqual([]);
    expect(report.failed).toEqual([
      { cid: lostCid, code: "E_QUOTA_EXCEEDED" },
      { cid: brokenCid, code: "E_QUOTA_EXCEEDED" },
    ]);
    // Its one-attempt read back only.
    expect(brokenReads).toBe(1);
    await client.stop();
  });
});

describe("renewal in light mode with every endpoint full, of a piece the first endpoint cannot serve and another holds", () => {
  test("asks the other endpoints before passing it over: one that holds it stores it again without room", async () => {
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
    const lost = await client.share({ path: writeRandomFile(dir, "lost.jpg", 10 * KiB).path }).done;
    clock.t += DAY;
    const broken = await client.share({ path: writeRandomFile(dir, "broken.jpg", 10 * KiB).path }).done;
    const [lostCid, brokenCid] = [lost, broken].map((s) => s.view.pieces[0]!.cid) as [string, string];
    // b holds the second photo's piece too (from another client); a kept its manifest but lost its blocks.
    const { body } = await a.get(brokenCid);
    const bytes: Buffer[] = [];
    for await (const chunk of body) bytes.push(Buffer.from(chunk));
    expect(await b.put(Buffer.concat(bytes))).toBe(brokenCid);
    const brokenDigest = digest(Buffer.concat(bytes));
    await a.delete(lostCid);
    a.beforeGet = (cid) => {
      if (cid === brokenCid) throw new StorageError("E_TRUNCATED", `the body of ${cid} ended early`);
    };
    // Both full: a refuses everything (it would need room for each), b stores the piece it holds again.
    a.beforePut = () => {
      throw new StorageError("E_QUOTA_EXCEEDED", "Codex node a could not store the upload: the node's storage is full");
    };
    b.beforePut = (put) => {
      if (digest(put) !== brokenDigest) throw new StorageError("E_QUOTA_EXCEEDED", "Codex node b could not store the upload: the node's storage is full");
    };
    clock.t += 28 * DAY;
    const report = await client.renewDue();
    expect(report.failed).toEqual([{ cid: lostCid, code: "E_QUOTA_EXCEEDED" }]);
    expect(report.renewed).toEqual([brokenCid]);
    await client.stop();
  });
});
