/**
 * docs/storage.md (Limits, Quota): "least recently used cached files are evicted to make room".
 * Forwarding a received file (sharing it on by the path fetch gave) reads it: it is used then, as
 * a cache hit is. Its place in the LRU order stayed where its download had put it, so the photo a
 * user had just forwarded was the first file evicted by the next download, ahead of files nobody
 * had touched since.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { KiB, startClient } from "./support/client-fixture.js";

describe("a cached file forwarded is recently used", () => {
  test("the next download that needs room evicts a file nobody used since, not the one just forwarded", async () => {
    const sender = await startClient();
    const clock = { t: Date.UTC(2026, 5, 1) };
    const receiver = await startClient({ backend: sender.backend, quotaBytes: 300 * KiB, clock: { now: () => clock.t } });
    const refs: Uint8Array[] = [];
    for (let i = 0; i < 4; i++) refs.push((await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: `f${i}.bin` }).done).reference);
    const paths: string[] = [];
    for (const ref of refs.slice(0, 3)) {
      clock.t += 1000;
      paths.push((await receiver.client.fetch(ref).done).path);
    }
    // The oldest one is forwarded to another chat.
    clock.t += 1000;
    await receiver.client.share({ path: paths[0] as string }).done;
    clock.t += 1000;
    await receiver.client.fetch(refs[3] as Uint8Array).done;

    expect(existsSync(paths[0] as string), "the file just forwarded").toBe(true);
    expect(existsSync(paths[1] as string), "the least recently used file").toBe(false);
    expect(existsSync(paths[2] as string)).toBe(true);
  });
});
