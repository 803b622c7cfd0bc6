/**
 * Renewal reads each due piece back (or seals it again from its source) into buffers of the
 * piece's size before it stores it again. Those buffers must come out of the client's transfer
 * memory (transferMemoryBytes) like any transfer's: a client that uploaded one-piece files (a
 * pieceSize as large as the file) renewed them beside its transfers with a piece's sealed and
 * plaintext buffers nobody counted, over the budget. The reservations are read off the client's
 * own budget (its weighted Slots) at the moment the store is asked for the piece.
 */
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import type { Slots } from "../../src/storage/slots.js";
import type { StorageClient } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, localStore, MiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const DAY = 24 * 60 * 60 * 1000;
/** A 1 MiB piece sealed in 4 KiB chunks (16 bytes of tag each). */
const SEALED = MiB + (MiB / (4 * 1024)) * 16;

function transferMemory(client: StorageClient): Slots {
  return (client as unknown as { session: { memory: Slots } }).session.memory;
}

async function renewalSetup(transferMemoryBytes: number) {
  const dir = tempDir("scc-renew-mem-");
  const store = new InstrumentedBackend(localStore(`${dir}/store`));
  const clock = { t: Date.UTC(2026, 0, 1) };
  const { client } = await startClient({
    dir,
    backend: store,
    clock: { now: () => clock.t },
    // One piece per file: the sender's pieceSize is the file.
    pieceSize: MiB,
    transferMemoryBytes,
    retry: { ...FAST_RETRY, pausedStreamYieldMs: 60_000 },
  });
  const renewed = await client.share({ path: writeRandomFile(dir, "video.mp4", MiB).path }).done;
  const streamed = await client.share({ path: writeRandomFile(dir, "other.mp4", MiB).path }).done;
  expect(renewed.view.pieces).toHaveLength(1);
  // Only the first file is still referenced: renewal reads back its one piece.
  client.release(streamed.reference);
  clock.t += 28 * DAY;
  return { client, store, renewed, streamed, cid: renewed.view.pieces[0]!.cid };
}

describe("renewal under the transfer memory budget", () => {
  test("the piece a renewal reads back is counted in transferMemoryBytes while it is read", async () => {
    const budget = 8 * MiB;
    const { client, store, cid } = await renewalSetup(budget);
    const memory = transferMemory(client);
    const heldAtRead: number[] = [];
    store.beforeGet = (got) => {
      if (got === cid) heldAtRead.push(memory.held);
    };
    const report = await client.renewDue();
    expect(report).toEqual({ renewed: [cid], failed: [] });
    expect(heldAtRead).toHaveLength(1);
    // Its sealed piece at least (nothing else runs), never past the budget; all of it given back after.
    expect(heldAtRead[0]).toBeGreaterThanOrEqual(SEALED);
    expect(heldAtRead[0]).toBeLessThanOrEqual(budget);
    expect(memory.held).toBe(0);
  });

  test("a renewal waits while transfers hold the budget, and reads its piece only once they gave it back", async () => {
    // Room for a stream's sealed piece, not for that and a renewal's piece besides.
    const budget = 2 * SEALED - 1;
    const { client, store, streamed, cid } = await renewalSetup(budget);
    const memory = transferMemory(client);
    // A stream paused at its first chunk (a video preview left open) holds its window's memory.
    const stream = client.fetchStream(streamed.reference);
    const hash = createHash("sha256");
    hash.update((await stream.next()).value as Buffer);
    let streamEnded = false;
    const reads: { held: number; afterStream: boolean }[] = [];
    store.beforeGet = (got) => {
      if (got === cid) reads.push({ held: memory.held, afterStream: streamEnded });
    };
    const renewal = client.renewDue();
    // Long enough for a renewal that does not wait to have read its piece from the local store.
    await new Promise((r) => setTimeout(r, 300));
    for await (const part of stream) hash.update(part);
    streamEnded = true;
    expect(await renewal).toEqual({ renewed: [cid], failed: [] });
    expect(hash.digest("hex")).toBe(Buffer.from(streamed.view.plaintextSha256).toString("hex"));
    expect(reads).toEqual([{ held: expect.any(Number), afterStream: true }]);
    expect(reads[0]!.held).toBeLessThanOrEqual(budget);
    expect(memory.held).toBe(0);
  });
});
