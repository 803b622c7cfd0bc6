/**
 * A renewal's room is its share of the client's transfer memory (transferMemoryBytes) and the
 * sealed piece's buffer. Allocating that buffer can throw once the share is granted (a phone low on
 * memory: RangeError 'Array buffer allocation failed'); the share must be given back then, or every
 * later transfer and renewal waits for memory nobody holds, for good.
 */
import { describe, expect, test } from "vitest";
import type { BufferPool } from "../../src/storage/file-io.js";
import type { Slots } from "../../src/storage/slots.js";
import type { StorageClient } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, localStore, MiB, startClient, writeRandomFile } from "./support/client-fixture.js";

const DAY = 24 * 60 * 60 * 1000;
/** A 1 MiB piece sealed in 4 KiB chunks (16 bytes of tag each). */
const SEALED = MiB + (MiB / (4 * 1024)) * 16;

function session(client: StorageClient): { memory: Slots; ctx: { buffers: BufferPool } } {
  return (client as unknown as { session: { memory: Slots; ctx: { buffers: BufferPool } } }).session;
}

/** Never settles before `ms`: a bound on the wait, so a run that waits for leaked memory fails the test rather than hang it. */
function after(ms: number): Promise<"waited"> {
  return new Promise((resolve) => setTimeout(() => resolve("waited"), ms).unref());
}

describe("a renewal whose buffer cannot be allocated", () => {
  test("gives its share of transfer memory back: the next run renews the piece", async () => {
    const dir = tempDir("scc-renew-alloc-");
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client } = await startClient({
      dir,
      backend: localStore(`${dir}/store`),
      clock: { now: () => clock.t },
      pieceSize: MiB,
      // Room for one sealed piece and its plaintext: a leaked share leaves too little for the next read back.
      transferMemoryBytes: SEALED + MiB,
      renewEveryMs: 0,
      retry: FAST_RETRY,
    });
    const shared = await client.share({ path: writeRandomFile(dir, "photo.jpg", MiB).path }).done;
    const cid = shared.view.pieces[0]!.cid;
    clock.t += 28 * DAY;
    const { memory, ctx } = session(client);
    const take = ctx.buffers.take.bind(ctx.buffers);
    let refused = 0;
    ctx.buffers.take = (size: number): Buffer => {
      if (size === SEALED && refused++ === 0) throw new RangeError("Array buffer allocation failed");
      return take(size);
    };
    const first = await client.renewDue();
    expect(first.renewed).toEqual([]);
    expect(first.failed.map((f) => f.cid)).toEqual([cid]);
    expect(memory.held).toBe(0);
    expect(await Promise.race([client.renewDue(), after(10_000)])).toEqual({ renewed: [cid], failed: [] });
    expect(memory.held).toBe(0);
  });
});
