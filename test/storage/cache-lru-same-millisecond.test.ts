/**
 * docs/storage.md (Limits, Quota): "least recently used cached files are evicted to make room".
 * Two cached files last used in the same millisecond (a chat's images arriving together, or opened
 * together from the gallery) were evicted in the order of their content CIDs, a coin toss, rather
 * than in the order they were used: the image just opened could go ahead of one opened before it.
 * A fixed clock makes every use fall in one millisecond; the files are chosen so that CID order is
 * the reverse of the order of use.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { cidOfDigest } from "../../src/storage/content-id.js";
import { KiB, startClient, type ClientSetup } from "./support/client-fixture.js";

const SAME_MS = Date.UTC(2026, 5, 1);
const fixedClock = { now: () => SAME_MS };

/** Two 100 KiB contents, the first with the greater content CID (so CID order is not the order they are given in). */
function twoContentsGreaterFirst(): [Buffer, Buffer] {
  const a = randomBytes(100 * KiB);
  const b = randomBytes(100 * KiB);
  const cid = (bytes: Buffer): string => cidOfDigest(createHash("sha256").update(bytes).digest());
  return cid(a) > cid(b) ? [a, b] : [b, a];
}

async function sharedReferences(sender: ClientSetup, contents: Buffer[]): Promise<Uint8Array[]> {
  const refs: Uint8Array[] = [];
  for (const [i, bytes] of contents.entries()) refs.push((await sender.client.share({ bytes, fileName: `f${i}.bin` }).done).reference);
  return refs;
}

describe("cached files last used in the same millisecond are evicted in the order they were used", () => {
  test("two downloads ending in one millisecond: the one fetched first is evicted first", async () => {
    const sender = await startClient();
    const [first, second] = twoContentsGreaterFirst();
    const [refFirst, refSecond, refThird] = await sharedReferences(sender, [first, second, randomBytes(100 * KiB)]);
    // Room for two of the three files.
    const receiver = await startClient({ backend: sender.backend, quotaBytes: 250 * KiB, clock: fixedClock });
    const pathFirst = (await receiver.client.fetch(refFirst as Uint8Array).done).path;
    const pathSecond = (await receiver.client.fetch(refSecond as Uint8Array).done).path;
    await receiver.client.fetch(refThird as Uint8Array).done;

    expect(existsSync(pathFirst), "the file fetched first (least recently used)").toBe(false);
    expect(existsSync(pathSecond), "the file fetched after it").toBe(true);
  });

  test.each([
    ["in the same session", false],
    ["after a restart", true],
  ] as const)("two cache hits in one millisecond, in the reverse of the order the files were downloaded: the one opened first is evicted first, %s", async (_, restart) => {
    const sender = await startClient();
    const [openedFirst, openedLast] = twoContentsGreaterFirst();
    const [refLast, refFirst, refThird] = await sharedReferences(sender, [openedLast, openedFirst, randomBytes(100 * KiB)]);
    const setup = await startClient({ backend: sender.backend, quotaBytes: 250 * KiB, clock: fixedClock });
    // Downloaded in one order...
    const pathLast = (await setup.client.fetch(refLast as Uint8Array).done).path;
    const pathFirst = (await setup.client.fetch(refFirst as Uint8Array).done).path;
    // ...and opened from the cache in the other.
    expect((await setup.client.fetch(refFirst as Uint8Array).done).path).toBe(pathFirst);
    expect((await setup.client.fetch(refLast as Uint8Array).done).path).toBe(pathLast);
    // A hit's file is held from eviction until just after its job settles.
    await new Promise((resolve) => setImmediate(resolve));
    let receiver = setup.client;
    if (restart) {
      await receiver.stop();
      receiver = (await startClient({ backend: sender.backend, quotaBytes: 250 * KiB, clock: fixedClock, dir: setup.dir })).client;
    }
    await receiver.fetch(refThird as Uint8Array).done;

    expect(existsSync(pathFirst), "the file opened first (least recently used)").toBe(false);
    expect(existsSync(pathLast), "the file opened after it").toBe(true);
  });
});
