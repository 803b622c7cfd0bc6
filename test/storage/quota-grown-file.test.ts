import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync } from "node:fs";
import { expect, test } from "vitest";
import { bytesKeptIn, KiB, startClient } from "./support/client-fixture.js";

test("a cached file the application grew while the client was stopped is removed at the next start: what the client keeps fits its quota and usage() counts what is on disk", async () => {
  const sender = await startClient();
  const receiver = await startClient({ backend: sender.backend, quotaBytes: 300 * KiB });
  const share = async () => (await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: "f.bin" }).done).reference;
  const grown = (await receiver.client.fetch(await share()).done).path;
  const kept = (await receiver.client.fetch(await share()).done).path;
  await receiver.client.stop();
  // The application wrote to the path fetch gave it (an edited image saved in place).
  appendFileSync(grown, randomBytes(250 * KiB));
  expect(bytesKeptIn(receiver.dataDir)).toBe(450 * KiB);

  const again = await startClient({ dir: receiver.dir, statePath: receiver.statePath, backend: receiver.backend, quotaBytes: 300 * KiB });
  expect(existsSync(grown)).toBe(false);
  expect(existsSync(kept)).toBe(true);
  expect(bytesKeptIn(again.dataDir)).toBe(100 * KiB);
  expect(again.client.usage().usedBytes).toBe(100 * KiB);
});
