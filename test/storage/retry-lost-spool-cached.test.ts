import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, bytesKeptIn, startClient } from "./support/client-fixture.js";
import { failedLostSpool, receiveIntoCache } from "./support/failed-lost-spool.js";

describe("a share of bytes failed E_SOURCE_MISSING because its spool write was lost (an older build, or a start whose cache lacked the bytes)", () => {
  test("is not revisited by a start (failed is what the application was told), and stays failed E_SOURCE_MISSING", async () => {
    const dir = tempDir();
    const bytes = randomBytes(100 * KiB);
    const id = await failedLostSpool(dir, bytes);
    // The cache holds those bytes from the start on (a received file): still not revisited on its own.
    const { client } = await startClient({ dir });
    await receiveIntoCache(client, dir, bytes);
    await client.stop();
    const again = await startClient({ dir });
    expect(again.client.jobs().find((j) => j.id === id)).toMatchObject({ state: "failed" });
    await expect(again.client.job(id).done).rejects.toMatchObject({ code: "E_SOURCE_MISSING" });
  });

  test("retry() reads the received file of those bytes in the cache, as a start does for one still queued: the upload finishes and its reference gives those bytes", async () => {
    const dir = tempDir();
    const bytes = randomBytes(100 * KiB);
    const id = await failedLostSpool(dir, bytes);
    const { client, dataDir } = await startClient({ dir });
    // The same content received since (fetched into the cache).
    await receiveIntoCache(client, dir, bytes);
    const { reference } = (await client.retry(id).done) as { reference: Uint8Array };
    const out = join(dir, "out.jpg");
    await client.fetch(reference, { out }).done;
    expect(readFileSync(out).equals(bytes)).toBe(true);
    // The received file is the content's one copy, unchanged, counted once.
    expect(client.usage().usedBytes).toBe(bytesKeptIn(dataDir));
    expect(client.usage().usedBytes).toBe(bytes.byteLength);
  });

  test("retry() without such a file in the cache fails E_SOURCE_MISSING again, as before", async () => {
    const dir = tempDir();
    const id = await failedLostSpool(dir, randomBytes(100 * KiB));
    const { client } = await startClient({ dir });
    await expect(client.retry(id).done).rejects.toMatchObject({ code: "E_SOURCE_MISSING" });
  });
});
