/**
 * The whole folder a client keeps its state and files in, moved between two sessions: iOS gives
 * an app a new container path (a new UUID under /var/mobile/Containers/Data/Application) when it
 * is updated, with every file in it. The journal keeps whole paths, which then name nothing.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageClient, type ShareResult } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { reopenable } from "./support/reopenable-client.js";

describe("a data directory moved with its state between sessions (an app update on iOS)", () => {
  test("bytes shared before the move whose upload failed are sent on retry after it, and their spooled file stays counted once; the retry failed E_SOURCE_MISSING (the journal named the old path)", async () => {
    const dir = tempDir();
    const before = join(dir, "container-1");
    mkdirSync(before);
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    backend.beforePut = () => {
      throw new Error("offline");
    };
    const a = await StorageClient.open({ ...reopenable(before, backend), retry: { baseDelayMs: 5, maxDelayMs: 10, attemptTimeoutMs: 1_000, deadlineMs: 200, maxAttempts: 2 } });
    const bytes = randomBytes(100 * KiB);
    const job = a.share({ bytes, fileName: "photo.jpg" });
    await expect(job.done).rejects.toBeDefined();
    await a.stop();

    const after = join(dir, "container-2");
    renameSync(before, after);
    backend.beforePut = undefined;
    const b = await StorageClient.open(reopenable(after, backend));
    try {
      const spooled = readdirSync(join(after, "d", "spool"));
      expect(spooled).toHaveLength(1);
      expect(b.usage().usedBytes).toBe(100 * KiB);
      const sent = (await b.retry(job.id).done) as ShareResult;
      mkdirSync(join(dir, "receiver"));
      const receiver = await StorageClient.open(reopenable(join(dir, "receiver"), backend));
      try {
        const got = await receiver.fetch(sent.reference).done;
        expect(readFileSync(got.path).equals(bytes)).toBe(true);
      } finally {
        await receiver.stop();
      }
      expect(existsSync(join(after, "d", "spool", spooled[0] as string))).toBe(true);
    } finally {
      await b.stop();
    }
  });

  test("a download into the cache stopped half-way before the move resumes after it from its temp file, fetching only the pieces it lacked; it started over (all 8 pieces) writing under the old folder, which it made again, and left its temp file behind", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    mkdirSync(join(dir, "sender"));
    const sender = await StorageClient.open(reopenable(join(dir, "sender"), backend));
    const bytes = randomBytes(256 * KiB);
    const { reference } = await sender.share({ bytes, fileName: "video.mp4" }).done;
    await sender.stop();

    const before = join(dir, "container-1");
    mkdirSync(before);
    backend.beforeGet = () => new Promise((r) => setTimeout(r, 50));
    const a = await StorageClient.open(reopenable(before, backend));
    const job = a.fetch(reference);
    await new Promise<void>((resolve) => job.on("progress", (p) => p.piecesDone >= 3 && resolve()));
    await a.stop();
    const getsBefore = backend.gets;

    const after = join(dir, "container-2");
    renameSync(before, after);
    backend.beforeGet = undefined;
    const b = await StorageClient.open(reopenable(after, backend));
    try {
      const got = await b.job(job.id).done;
      expect(readFileSync((got as { path: string }).path).equals(bytes)).toBe(true);
      expect((got as { path: string }).path.startsWith(after)).toBe(true);
      // 8 pieces of 32 KiB: at least 3 were kept.
      expect(backend.gets - getsBefore).toBeLessThanOrEqual(5);
      expect(readdirSync(join(after, "d", "cache")).filter((f) => f.endsWith(".part"))).toEqual([]);
    } finally {
      await b.stop();
    }
  });
});
