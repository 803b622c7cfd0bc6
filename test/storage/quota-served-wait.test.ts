/**
 * A full cache (its steady state) and a chat opened: the app fetches the chat's cached images (each
 * held from eviction from fetch() until it is checked and handed out) and a new one at once. The
 * new one's download found only files being served in the way and was refused at once,
 * E_QUOTA_EXCEEDED "…used by files of pending or failed uploads…; raise the quota, wait for
 * uploads", with no upload anywhere: a fatal error for a wait of milliseconds. docs/storage.md:
 * E_QUOTA_EXCEEDED is for pinned files leaving no room. It now waits for those checks to end, and
 * evicts the least recently used file then.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { bytesKeptIn, KiB, sha256Hex, startClient } from "./support/client-fixture.js";

describe("a download while cached files are being served", () => {
  test("two cached images opened and a new one fetched at once under a full cache: all three are delivered, the quota kept", async () => {
    const sender = await startClient();
    const contents = [0, 1, 2].map(() => randomBytes(100 * KiB));
    const refs: Uint8Array[] = [];
    for (const [i, bytes] of contents.entries()) refs.push((await sender.client.share({ bytes, fileName: `p${i}.jpg` }).done).reference);
    const { client, dataDir } = await startClient({ backend: sender.backend, quotaBytes: 250 * KiB });
    for (const ref of refs.slice(0, 2)) await client.fetch(ref).done;

    const jobs = refs.map((ref) => client.fetch(ref));
    const settled = await Promise.allSettled(jobs.map((job) => job.done));
    expect(settled.map((s) => (s.status === "rejected" ? `${(s.reason as { code?: string }).code}: ${(s.reason as Error).message}` : "done"))).toEqual(["done", "done", "done"]);
    const fresh = (settled[2] as PromiseFulfilledResult<{ path: string; fromCache: boolean }>).value;
    expect(fresh.fromCache).toBe(false);
    expect(sha256Hex(readFileSync(fresh.path))).toBe(sha256Hex(contents[2] as Buffer));
    expect(bytesKeptIn(dataDir)).toBeLessThanOrEqual(250 * KiB);
    expect(client.usage()).toMatchObject({ usedBytes: bytesKeptIn(dataDir), reservedBytes: 0 });
  });
});
