/**
 * docs/storage.md, Light mode: a light client keeps no download cache, but the spooled copy of each
 * `share({ bytes })` stays once its upload is done, counted under `quotaBytes` (1 GiB by default,
 * light mode too) and evicted least recently used first; `setQuota()` lowers what a phone keeps.
 */
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageClient } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { codexSetup } from "./codex-fixtures.js";
import { KiB, SMALL_PIECES } from "./support/client-fixture.js";

describe("light mode's spooled copies of shared bytes", () => {
  test("stay after their uploads are done, counted under the 1 GiB default quota, and go when setQuota() lowers it", async () => {
    const { backend } = await codexSetup();
    const dir = tempDir();
    const client = await StorageClient.open({ protocol: 3, mode: "light", endpoints: [backend], statePath: join(dir, "s.sqlite"), dataDir: join(dir, "data"), renewEveryMs: 0, ...SMALL_PIECES });
    try {
      for (let i = 0; i < 3; i++) await client.share({ bytes: randomBytes(100 * KiB), fileName: `p${i}.jpg` }).done;
      expect(readdirSync(join(dir, "data", "spool"))).toHaveLength(3);
      expect(client.usage()).toMatchObject({ usedBytes: 300 * KiB, quotaBytes: 1024 * 1024 * 1024 });
      client.setQuota(150 * KiB);
      expect(readdirSync(join(dir, "data", "spool"))).toHaveLength(1);
      expect(client.usage().usedBytes).toBe(100 * KiB);
    } finally {
      await client.stop();
    }
  });
});
