/**
 * Renewal reserves transfer memory (transferMemoryBytes) for what each step of a piece's renewal
 * holds: a read back holds the sealed piece only; sealing it again from its source holds the
 * plaintext besides. Reserving both for every piece made a renewal that only reads pieces back
 * wait behind a paused stream (or make a download wait behind it) for a plaintext buffer it never used.
 */
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { Slots } from "../../src/storage/slots.js";
import { StorageError } from "../../src/storage/storage-error.js";
import type { StorageClient } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, localStore, MiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { codexSetup } from "./codex-fixtures.js";

const DAY = 24 * 60 * 60 * 1000;
/** A 1 MiB piece sealed in 4 KiB chunks (16 bytes of tag each). */
const SEALED = MiB + (MiB / (4 * 1024)) * 16;

function transferMemory(client: StorageClient): Slots {
  return (client as unknown as { session: { memory: Slots } }).session.memory;
}

/** Never settles before `ms`: a bound on the wait, so a renewal that waits for the stream fails the test rather than hang it. */
function after(ms: number): Promise<"waited"> {
  return new Promise((resolve) => setTimeout(() => resolve("waited"), ms).unref());
}

// Room for two sealed pieces (a paused stream's and a renewal's read back), not for a plaintext besides.
async function setup(budget = 2 * SEALED) {
  const dir = tempDir("scc-renew-step-");
  const store = new InstrumentedBackend(localStore(`${dir}/store`));
  const clock = { t: Date.UTC(2026, 0, 1) };
  const { client } = await startClient({
    dir,
    backend: store,
    clock: { now: () => clock.t },
    pieceSize: MiB,
    transferMemoryBytes: budget,
    renewEveryMs: 0,
    retry: { ...FAST_RETRY, pausedStreamYieldMs: 60_000 },
  });
  const renewed = await client.share({ path: writeRandomFile(dir, "video.mp4", MiB).path }).done;
  const streamed = await client.share({ path: writeRandomFile(dir, "other.mp4", MiB).path }).done;
  client.release(streamed.reference);
  clock.t += 28 * DAY;
  // A stream paused at its first chunk (a video preview left open) holds its sealed piece's memory.
  const stream = client.fetchStream(streamed.reference);
  const hash = createHash("sha256");
  hash.update((await stream.next()).value as Buffer);
  const finishStream = async (): Promise<string> => {
    for await (const part of stream) hash.update(part);
    return hash.digest("hex");
  };
  return { client, store, budget, renewed, streamed, finishStream, cid: renewed.view.pieces[0]!.cid };
}

describe("renewal reserves the transfer memory each step needs", () => {
  test("a renewal that only reads its pieces back runs beside a paused stream when the budget has room for both sealed pieces", async () => {
    const { client, store, budget, streamed, finishStream, cid } = await setup();
    const memory = transferMemory(client);
    const heldAtRead: number[] = [];
    store.beforeGet = (got) => {
      if (got === cid) heldAtRead.push(memory.held);
    };
    const renewal = client.renewDue();
    // The stream stays paused until the renewal ended (or 10 s passed: it waited for the stream's memory).
    const first = await Promise.race([renewal, after(10_000)]);
    expect(first).toEqual({ renewed: [cid], failed: [] });
    expect(heldAtRead).toEqual([2 * SEALED]);
    expect(await finishStream()).toBe(Buffer.from(streamed.view.plaintextSha256).toString("hex"));
    expect(memory.held).toBe(0);
    expect(budget).toBe(2 * SEALED);
  });

  test("a piece the endpoints lost is sealed from its source only once the plaintext fits too, and renewed then", async () => {
    const { client, store, finishStream, streamed, cid } = await setup();
    const memory = transferMemory(client);
    await store.delete(cid);
    let streamEnded = false;
    const puts: { held: number; afterStream: boolean }[] = [];
    store.beforePut = () => {
      puts.push({ held: memory.held, afterStream: streamEnded });
    };
    const renewal = client.renewDue();
    expect(await Promise.race([renewal, after(300)])).toBe("waited");
    expect(await finishStream()).toBe(Buffer.from(streamed.view.plaintextSha256).toString("hex"));
    streamEnded = true;
    expect(await renewal).toEqual({ renewed: [cid], failed: [] });
    expect(puts).toEqual([{ held: SEALED + MiB, afterStream: true }]);
    expect(memory.held).toBe(0);
  });

  test("a read back that fails falls back to the source under a budget smaller than a sealed piece and its plaintext: the renewal does not wait for itself", async () => {
    const { client, store, finishStream, streamed, cid } = await setup(SEALED + MiB / 2);
    const memory = transferMemory(client);
    // The stream ends first: nothing else holds memory while the renewal runs.
    expect(await finishStream()).toBe(Buffer.from(streamed.view.plaintextSha256).toString("hex"));
    let reads = 0;
    store.beforeGet = (got) => {
      // The node kept the manifest and lost the blocks: its one read back fails.
      if (got === cid && reads++ === 0) throw new StorageError("E_TRUNCATED", `the body of ${got} ended early`);
    };
    const renewal = client.renewDue();
    expect(await Promise.race([renewal, after(10_000)])).toEqual({ renewed: [cid], failed: [] });
    expect(reads).toBe(1);
    expect(memory.held).toBe(0);
  });
});

describe("a network read of a piece only the network can renew", () => {
  test("holds the sealed piece's memory only, not a plaintext it will not seal: a stream runs beside it while Codex hangs on the read", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 60_000 });
    server.behaviour.missingContent = "hang";
    const dir = tempDir("scc-renew-step-");
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client } = await startClient({
      dir,
      backend,
      clock: { now: () => clock.t },
      pieceSize: MiB,
      transferMemoryBytes: 2 * SEALED,
      retry: { attemptTimeoutMs: 60_000, maxAttempts: 1, deadlineMs: 120_000, pausedStreamYieldMs: 60_000 },
    });
    const lostFile = writeRandomFile(dir, "old.mp4", MiB);
    const lost = await client.share({ path: lostFile.path }).done;
    const other = await client.share({ path: writeRandomFile(dir, "other.mp4", MiB).path }).done;
    client.release(other.reference);
    // The node lost the older video and the user deleted it: only a network read can renew it, and Codex hangs on it.
    await backend.delete(lost.view.pieces[0]!.cid);
    rmSync(lostFile.path);
    clock.t += 28 * DAY;
    const session = new AbortController();
    const renewal = client.renewDue({ signal: session.signal }).catch((error: { code?: string }) => error.code);
    while ((server.stats.byRoute.download ?? 0) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const memory = transferMemory(client);
    expect(memory.held).toBe(SEALED);
    // Another video played meanwhile (a stream holds a sealed piece).
    const hash = createHash("sha256");
    const streamed = (async () => {
      for await (const part of client.fetchStream(other.reference)) hash.update(part);
      return hash.digest("hex");
    })();
    expect(await Promise.race([streamed, after(10_000)])).toBe(Buffer.from(other.view.plaintextSha256).toString("hex"));
    session.abort();
    expect(await renewal).toBe("E_ABORTED");
    expect(memory.held).toBe(0);
  });
});

describe("a piece whose source is gone, past its expiry", () => {
  test("takes no transfer memory to find its source gone: the run's other pieces are renewed beside a paused stream", async () => {
    const dir = tempDir("scc-renew-step-");
    const store = new InstrumentedBackend(localStore(`${dir}/store`));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const { client } = await startClient({
      dir,
      backend: store,
      clock: { now: () => clock.t },
      pieceSize: MiB,
      transferMemoryBytes: 2 * SEALED,
      retry: { ...FAST_RETRY, maxAttempts: 1, pausedStreamYieldMs: 60_000 },
    });
    // An old video, deleted since, whose piece the node dropped at its expiry; a newer one, still there.
    const oldFile = writeRandomFile(dir, "old.mp4", MiB);
    const old = await client.share({ path: oldFile.path }).done;
    clock.t += 2 * DAY;
    const kept = await client.share({ path: writeRandomFile(dir, "new.mp4", MiB).path }).done;
    const streamed = await client.share({ path: writeRandomFile(dir, "other.mp4", MiB).path }).done;
    client.release(streamed.reference);
    await store.delete(old.view.pieces[0]!.cid);
    rmSync(oldFile.path);
    clock.t = start + 30 * DAY + 60_000;
    // A stream paused at its first chunk holds a sealed piece's memory.
    const stream = client.fetchStream(streamed.reference);
    const hash = createHash("sha256");
    hash.update((await stream.next()).value as Buffer);
    const renewal = client.renewDue();
    const first = await Promise.race([renewal, after(10_000)]);
    expect(first).toEqual({ renewed: [kept.view.pieces[0]!.cid], failed: [{ cid: old.view.pieces[0]!.cid, code: "E_SOURCE_MISSING" }] });
    for await (const part of stream) hash.update(part);
    expect(hash.digest("hex")).toBe(Buffer.from(streamed.view.plaintextSha256).toString("hex"));
    expect(transferMemory(client).held).toBe(0);
  });
});
