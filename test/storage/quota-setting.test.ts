/**
 * The quota has two sources: the `quotaBytes` option (a RangeError at start unless a positive
 * number of bytes) and the `quota_bytes` settings row (kept in the state database). The row takes
 * what the option takes; a row the option would refuse is ignored for the default, with a warning
 * naming it.
 */
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { createLogger } from "../../src/obs/index.js";
import { STORAGE_DEFAULTS } from "../../src/storage/client-options.js";
import { LogCapture } from "../support/log-capture.js";
import { KiB, startClient } from "./support/client-fixture.js";

/** A client started on a state whose `quota_bytes` row holds `value`, its log captured, and a 100 KiB file a sender shared over its store. */
async function clientWithSetting(value: string) {
  const sender = await startClient();
  const reference = (await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: "photo.jpg" }).done).reference;
  const first = await startClient({ backend: sender.backend });
  await first.client.stop();
  const db = new Database(first.statePath);
  db.prepare(`INSERT INTO settings (key, value) VALUES ('quota_bytes', ?)`).run(value);
  db.close();
  const capture = new LogCapture();
  const logger = createLogger({ level: "warn", destination: capture });
  const { client } = await startClient({ dir: first.dir, statePath: first.statePath, backend: sender.backend, logger });
  return { client, reference, capture };
}

describe("the quota_bytes setting", () => {
  test.each(["0", "-5", "1.5", "12abc", "", " 100", "1e9"])(
    "a row of %j, not a positive whole number of bytes, is ignored for the default (1 GiB) with a warning naming the setting, and a download fits; \"0\" was a 0-byte quota (every download E_QUOTA_EXCEEDED), the others were ignored without a word",
    async (value) => {
      const { client, reference, capture } = await clientWithSetting(value);
      expect(client.usage().quotaBytes).toBe(STORAGE_DEFAULTS.quotaBytes);
      await expect(client.fetch(reference).done).resolves.toMatchObject({ fromCache: false });
      const warned = capture.lines().filter((l) => l["setting"] === "quota_bytes");
      expect(warned, capture.text).toHaveLength(1);
      expect(warned[0]?.["msg"]).toMatch(/quota_bytes/);
    },
  );

  test("a whole number of bytes is the quota, without a warning; a huge one is a quota nothing reaches", async () => {
    for (const [value, quota] of [["12345", 12345], ["99999999999999999999", 1e20]] as const) {
      const { client, capture } = await clientWithSetting(value);
      expect(client.usage().quotaBytes).toBe(quota);
      expect(capture.lines().filter((l) => l["setting"] === "quota_bytes")).toEqual([]);
    }
  });
});
