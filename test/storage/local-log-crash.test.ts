/**
 * SIGKILL of a process putting blocks into the log store, at random moments, again and again: after
 * each kill a fresh store serves every block the child acknowledged, whole, and nothing it serves
 * is torn (every indexed block reads back as bytes that hash to its CID). A kill loses the
 * process, not the page cache, so this checks the ordering of writes and entries, not the device.
 */
import { describe, expect, test } from "vitest";
import { cidOfDigest } from "../../src/storage/content-id.js";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { seededRandom } from "../support/fault-proxy/index.js";
import { tempDir } from "../support/temp-dir.js";
import { indexesOf, readAll, sha256Hex } from "./support/local-log-files.js";
import { runLogChild } from "./support/local-log-process.js";

const KILLS = 10;

describe("log store under SIGKILL", () => {
  test(
    "every acknowledged put survives each kill whole, and no block the store serves is torn",
    async () => {
      const seed = Date.now() >>> 0;
      const random = seededRandom(seed);
      const dir = tempDir("scc-log-crash-");
      const acknowledged: string[] = [];
      try {
        for (let kill = 0; kill < KILLS; kill++) {
          const run = await runLogChild(["loop", dir, String(seed + kill)], Math.floor(random() * 120));
          expect(run.killed).toBe(true);
          acknowledged.push(...run.acknowledged);
          const store = createLocalBackend({ dir });
          try {
            for (const cid of acknowledged) {
              const got = await store.get(cid);
              const bytes = await readAll(got.body);
              expect(bytes.byteLength).toBe(got.size);
              expect(cidOfDigest(Buffer.from(sha256Hex(bytes), "hex"))).toBe(cid);
            }
            for (const entries of indexesOf(dir).values()) {
              for (const entry of entries) {
                const cid = cidOfDigest(Buffer.from(entry.digestHex, "hex"));
                expect(await store.has(cid)).toBe(true);
                const bytes = await readAll((await store.get(cid)).body);
                expect(sha256Hex(bytes)).toBe(entry.digestHex);
              }
            }
          } finally {
            await store.close();
          }
        }
        expect(acknowledged.length).toBeGreaterThanOrEqual(KILLS);
      } catch (error) {
        throw new Error(`crash loop failed (seed ${seed}): ${(error as Error).message}`, { cause: error });
      }
    },
    60_000,
  );
});
