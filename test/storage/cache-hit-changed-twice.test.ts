/**
 * A cached file the app wrote to (same size, so lookup() still takes it for a hit) opened from two or
 * three chats at once: the first hit checked finds it changed, drops it and fetches it again; the
 * others, checked next, found its path gone and failed E_LOCAL_IO "open … failed on the local disk
 * … check free space and permissions (ENOENT)", though nothing was wrong with the disk and the file
 * was being fetched again anyway. A hit whose file is gone when it is checked is fetched again too.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { KiB, sha256Hex, startClient } from "./support/client-fixture.js";

describe("several fetches of a cached file the app wrote to", () => {
  test.each([
    ["two fetches, one hit checked at a time", 2, 1],
    ["three fetches, the default two checked at a time", 3, undefined],
  ] as const)("%s: every one is delivered with the shared bytes", async (_, fetches, jobsInFlight) => {
    const sender = await startClient();
    const bytes = randomBytes(100 * KiB);
    const { reference } = await sender.client.share({ bytes, fileName: "photo.jpg" }).done;
    const { client } = await startClient({ backend: sender.backend, ...(jobsInFlight === undefined ? {} : { jobsInFlight }) });
    const first = await client.fetch(reference).done;
    // Edited in place by the app: same size, other bytes.
    writeFileSync(first.path, randomBytes(100 * KiB));

    const settled = await Promise.allSettled(Array.from({ length: fetches }, () => client.fetch(reference).done));
    expect(settled.map((s) => (s.status === "rejected" ? `${(s.reason as { code?: string }).code}: ${(s.reason as Error).message}` : "done"))).toEqual(settled.map(() => "done"));
    for (const s of settled) expect(sha256Hex(readFileSync((s as PromiseFulfilledResult<{ path: string }>).value.path))).toBe(sha256Hex(bytes));
    expect(client.usage()).toMatchObject({ usedBytes: 100 * KiB, reservedBytes: 0 });
  });
});
