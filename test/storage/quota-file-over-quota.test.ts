/**
 * A file larger than the whole storage quota can never be kept under it, whatever the uploads do,
 * yet E_QUOTA_EXCEEDED told the user "(0 used by files of pending or failed uploads, 0 reserved);
 * raise the quota, wait for uploads to finish, or retry or cancel failed ones": advice to wait for
 * uploads, or cancel them, for a file that fits in no case. The message now says the file is over
 * the quota itself, and where it can go instead.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import type { StorageError } from "../../src/storage/index.js";
import { KiB, startClient } from "./support/client-fixture.js";

describe("a file larger than the whole storage quota", () => {
  test("fetched into the cache: E_QUOTA_EXCEEDED says it is over the quota itself, not to wait for uploads", async () => {
    const sender = await startClient();
    const ref = (await sender.client.share({ bytes: randomBytes(200 * KiB), fileName: "video.mp4" }).done).reference;
    const { client } = await startClient({ backend: sender.backend, quotaBytes: 100 * KiB });
    const refused = await client.fetch(ref).done.then(
      () => undefined,
      (e: StorageError) => e,
    );
    expect(refused?.code).toBe("E_QUOTA_EXCEEDED");
    expect(refused?.message).toContain(`${200 * KiB}-byte file is larger than the whole ${100 * KiB}-byte storage quota`);
    expect(refused?.message).not.toContain("wait for uploads");
    expect(refused?.details).toMatchObject({ bytes: 200 * KiB, quotaBytes: 100 * KiB });
  });

  test("shared from memory: share() refuses at once, saying so", async () => {
    const { client } = await startClient({ quotaBytes: 100 * KiB });
    let refused: StorageError | undefined;
    try {
      client.share({ bytes: randomBytes(200 * KiB), fileName: "video.mp4" });
    } catch (error) {
      refused = error as StorageError;
    }
    expect(refused?.code).toBe("E_QUOTA_EXCEEDED");
    expect(refused?.message).toContain("larger than the whole");
    expect(refused?.message).not.toContain("wait for uploads");
  });
});
