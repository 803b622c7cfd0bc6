/**
 * Cache hits are hashed and shares of bytes spooled `jobsInFlight` at a time, client-wide. A small
 * one must not wait for every large one queued before it (docs/storage.md, "Many transfers at
 * once"): a photo shared from memory after a video's bytes, a voice note opened from the cache while
 * a gallery's videos are checked. The large ones' files are held back where they are opened (a
 * pass-through wrapper of node:fs/promises' open, every call going to the real one) until the small
 * one is done or a bound runs out: the order in which they end is the proof, not their speed.
 */
import { randomBytes } from "node:crypto";
import { basename, join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { cidOfDigest } from "../../src/storage/content-id.js";
import { sha256 } from "../../src/crypto/index.js";
import type { TransferJob } from "../../src/storage/index.js";
import { gate } from "../support/gate.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

/** When set, an open of a path it picks waits for the promise it returns. */
const hooks = vi.hoisted(() => ({ beforeOpen: undefined as ((path: string) => Promise<void> | undefined) | undefined }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const open = (async (...args: Parameters<typeof real.open>) => {
    await hooks.beforeOpen?.(String(args[0]));
    return real.open(...args);
  }) as typeof real.open;
  return { ...real, default: { ...real, open }, open };
});

/** How long the large ones are held back at most when the small one never gets its turn (a failing run ends, it does not hang). */
const HOLD_BOUND_MS = 5_000;

function endOrder(jobs: { name: string; job: TransferJob<unknown> }[]): { order: string[]; all: Promise<unknown> } {
  const order: string[] = [];
  const all = Promise.all(jobs.map(({ name, job }) => job.done.then(() => order.push(name))));
  return { order, all };
}

function doneOrBound(job: TransferJob<unknown>): Promise<void> {
  return Promise.race([job.done.then(() => undefined), new Promise<void>((r) => setTimeout(r, HOLD_BOUND_MS).unref())]);
}

describe("a small cache hit or share of bytes queued behind large ones", () => {
  test("a small cache hit is checked while large hits queued before it are held, and every hit is served", async () => {
    const { client, dir } = await startClient({ jobsInFlight: 1 });
    // Larger than a piece (32 KiB here): large; the small one fits one.
    const large = [0, 1, 2].map((i) => writeRandomFile(dir, `video-${i}.mp4`, 128 * KiB).path);
    const small = writeRandomFile(dir, "photo.jpg", 8 * KiB).path;
    const references: Uint8Array[] = [];
    for (const path of [...large, small]) references.push((await client.share({ path }).done).reference);
    const cached: string[] = [];
    for (const reference of references) cached.push((await client.fetch(reference).done).path);
    const largeCached = new Set(cached.slice(0, 3));
    const held = gate();
    hooks.beforeOpen = (path) => (largeCached.has(path) ? held.wait : undefined);
    try {
      const hits = references.map((reference, i) => ({ name: i < 3 ? `large${i}` : "small", job: client.fetch(reference) as TransferJob<unknown> }));
      const { order, all } = endOrder(hits);
      await doneOrBound(hits[3]!.job);
      held.open();
      await all;
      expect(order[0], `end order ${order.join(", ")}`).toBe("small");
      expect(order).toHaveLength(4);
    } finally {
      hooks.beforeOpen = undefined;
      held.open();
    }
    for (const [i, reference] of references.entries()) expect(await client.fetch(reference).done).toMatchObject({ fromCache: true, path: cached[i] });
  });

  test("small bytes shared after large ones are spooled (and sent) while the large ones' spool writes are held, and every share is sent", async () => {
    const { client } = await startClient({ jobsInFlight: 1 });
    const large = [0, 1, 2].map(() => randomBytes(128 * KiB));
    const small = randomBytes(8 * KiB);
    const smallCid = cidOfDigest(sha256(small));
    const held = gate();
    // The spool's temp files are `.<content cid>.<id8>.part`.
    hooks.beforeOpen = (path) => (basename(path).endsWith(".part") && path.includes(`${join("data", "spool")}`) && !basename(path).startsWith(`.${smallCid}.`) ? held.wait : undefined);
    try {
      const shares = large.map((bytes, i) => ({ name: `large${i}`, job: client.share({ bytes, fileName: `video-${i}.mp4` }) as TransferJob<unknown> }));
      shares.push({ name: "small", job: client.share({ bytes: small, fileName: "photo.jpg" }) as TransferJob<unknown> });
      const { order, all } = endOrder(shares);
      await doneOrBound(shares[3]!.job);
      held.open();
      await all;
      expect(order[0], `end order ${order.join(", ")}`).toBe("small");
      expect(order).toHaveLength(4);
    } finally {
      hooks.beforeOpen = undefined;
      held.open();
    }
  });
});
