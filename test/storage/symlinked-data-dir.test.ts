/**
 * One data directory reached by two spellings: on iOS the app's container is under /var, a
 * symbolic link to /private/var, and the system hands out either. A client started on one spelling
 * must find what a session on the other left there as its own.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageClient, type ShareResult } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { reopenable } from "./support/reopenable-client.js";

/** A folder `private-var` and a link `var` to it, like iOS's /var. */
function linkedFolder(): { dir: string; real: string; link: string } {
  const dir = tempDir();
  const real = join(dir, "private-var");
  mkdirSync(real);
  const link = join(dir, "var");
  symlinkSync(real, link);
  return { dir, real, link };
}

describe("a data directory reached through a symbolic link", () => {
  test.each([
    ["the link", "the real path"],
    ["the real path", "the link"],
  ] as const)(
    "bytes shared in a session on %s whose upload failed are still there, and sent on retry, in a session on %s (the spooled file was deleted as a stray copy before)",
    async (first, second) => {
      const { dir, real, link } = linkedFolder();
      const spelling = (which: string): string => (which === "the link" ? link : real);
      const backend = new InstrumentedBackend(localStore(join(dir, "store")));
      backend.beforePut = () => {
        throw new Error("offline");
      };
      const retry = { baseDelayMs: 5, maxDelayMs: 10, attemptTimeoutMs: 1_000, deadlineMs: 200, maxAttempts: 2 };
      const a = await StorageClient.open({ ...reopenable(spelling(first), backend), retry });
      const bytes = randomBytes(100 * KiB);
      const job = a.share({ bytes, fileName: "photo.jpg" });
      await expect(job.done).rejects.toBeDefined();
      await a.stop();
      const spooled = readdirSync(join(real, "d", "spool"));
      expect(spooled).toHaveLength(1);

      backend.beforePut = undefined;
      const b = await StorageClient.open(reopenable(spelling(second), backend));
      try {
        expect(readdirSync(join(real, "d", "spool"))).toEqual(spooled);
        const sent = (await b.retry(job.id).done) as ShareResult;
        expect(sent).toMatchObject({ jobId: job.id });
        // A receiver gets the very bytes from the store.
        mkdirSync(join(dir, "receiver"));
        const receiver = await StorageClient.open(reopenable(join(dir, "receiver"), backend));
        try {
          const got = await receiver.fetch(sent.reference).done;
          expect(readFileSync(got.path).equals(bytes)).toBe(true);
        } finally {
          await receiver.stop();
        }
      } finally {
        await b.stop();
      }
    },
  );
});
