/**
 * Shares of bytes wait their turn to be spooled (at most jobsInFlight at once). One cancelled while
 * it waited was still spooled when its turn came (its bytes written and synced to disk, then
 * thrown away), and its handle settled only then: an album of 300 photos shared from memory and
 * cancelled at once wrote all 300 to the disk, one after another, before the last cancel was heard.
 */
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { cidOfDigest } from "../../src/storage/content-id.js";
import { MiB, startClient } from "./support/client-fixture.js";

/** Dot-named, as the spool's temp files are: the client adopts no such file as a spooled share. */
const MARK = ".test-mark";

describe("a share of bytes cancelled while it waits to be spooled", () => {
  test("is never written to the spool, and its handle settles at once", async () => {
    const { client, dataDir } = await startClient({ jobsInFlight: 1 });
    const seen: string[] = [];
    const watcher = watch(join(dataDir, "spool"), (_event, name) => {
      if (name !== null) seen.push(name);
    });
    try {
      const first = client.share({ bytes: randomBytes(8 * MiB), fileName: "video.mp4" });
      const waitingBytes = randomBytes(100 * 1024);
      const waiting = client.share({ bytes: waitingBytes, fileName: "photo.jpg" });
      const order: string[] = [];
      first.on("state", (state) => order.push(`first ${state}`));
      client.cancel(waiting.id);
      await expect(waiting.done).rejects.toMatchObject({ code: "E_ABORTED" });
      order.push("cancelled heard");
      await first.done;
      // Heard while the first share was still being spooled, not after its turn came.
      expect(order[0]).toBe("cancelled heard");
      expect(client.jobs().find((j) => j.id === waiting.id)?.state).toBe("cancelled");
      // Both spool works have ended (the cancelled one settles its handle only after a write it began), so any
      // write of the cancelled bytes is over. A file of our own, written now, is reported after every earlier
      // change of the folder (the watcher's events come in order): once it is seen, `seen` is complete.
      await new Promise<void>((heard) => {
        watcher.on("change", (_event, name) => name === MARK && heard());
        writeFileSync(join(dataDir, "spool", MARK), "");
      });
      const cid = cidOfDigest(createHash("sha256").update(waitingBytes).digest());
      expect(seen.filter((name) => name.includes(cid))).toEqual([]);
      expect(readdirSync(join(dataDir, "spool")).filter((name) => name.includes(cid))).toEqual([]);
    } finally {
      watcher.close();
    }
  });
});
