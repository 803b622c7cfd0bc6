/**
 * E_QUOTA_EXCEEDED's message tells the user what holds the room: "N used by files of pending or
 * failed uploads … retry or cancel failed ones". It counted in that N the cached files being
 * served at the moment (a photo being opened), so the user was told the failed uploads held more
 * than they did, and details.usedBytes did not add up to it either.
 */
import { randomBytes } from "node:crypto";
import { expect, test } from "vitest";
import { StorageError } from "../../src/storage/index.js";
import { KiB, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

test("a download refused while a cached file is being served names only the failed uploads' bytes as theirs", async () => {
  const sender = await startClient();
  const smallRef = (await sender.client.share({ bytes: randomBytes(50 * KiB), fileName: "small.jpg" }).done).reference;
  const bigRef = (await sender.client.share({ bytes: randomBytes(150 * KiB), fileName: "big.jpg" }).done).reference;
  const backend = new InstrumentedBackend(sender.backend);
  const { client } = await startClient({ backend, quotaBytes: 300 * KiB });
  await client.fetch(smallRef).done;
  // Two shares that fail keep their 100 KiB spool files pinned for a retry.
  backend.beforePut = () => {
    throw new StorageError("E_BACKEND_REJECTED", "refused (test)");
  };
  for (let i = 0; i < 2; i++) await expect(client.share({ bytes: randomBytes(100 * KiB), fileName: `f${i}.bin` }).done).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });

  // The small photo is opened while the big one is fetched: 200 KiB pinned + 150 KiB do not fit 300 KiB.
  const hit = client.fetch(smallRef);
  const refused = await client.fetch(bigRef).done.then(
    () => undefined,
    (e: StorageError) => e,
  );
  await hit.done;
  expect(refused?.code).toBe("E_QUOTA_EXCEEDED");
  expect(refused?.message).toContain(`${200 * KiB} used by files of pending or failed uploads`);
});
