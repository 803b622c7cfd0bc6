/**
 * share({ bytes }) spools the bytes to a file (what makes the upload resumable) after share()
 * returns. An application sharing many files from memory at once (an album forwarded, photos
 * picked in a batch) must not have every spool write open at once: measured before this test, 300
 * shares of 100 KiB held 631 descriptors at once (a desktop's 256 or 1024 limit gives EMFILE to
 * everything else, the state database included), each write fsyncing on its own. Spool temp files
 * open at once are counted exactly through a pass-through wrapper of node:fs/promises (every call
 * goes to the real one).
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { STORAGE_DEFAULTS } from "../../src/storage/index.js";
import { KiB, sha256Hex, startClient } from "./support/client-fixture.js";
import { readdirSync, readFileSync } from "node:fs";
import { cidOfDigest } from "../../src/storage/content-id.js";
import { sha256 } from "../../src/crypto/index.js";

/** Spool temp files (`.<cid>.<id>.part` under `dir`) open at once: now and at most. */
const opens = vi.hoisted(() => ({ dir: "", live: 0, peak: 0 }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const { countingOpen } = await import("./support/counted-opens.js");
  const open = countingOpen(real.open, opens, (path) => opens.dir !== "" && path.startsWith(`${opens.dir}/.`) && path.endsWith(".part"));
  return { ...real, default: { ...real, open }, open };
});

const SHARES = 24;

/** The name a spool file of `bytes` has (their content CID). */
function cidOfBytes(bytes: Uint8Array): string {
  return cidOfDigest(sha256(bytes));
}

describe("spool writes at once", () => {
  test(`${SHARES} shares of bytes at once are spooled at most jobsInFlight (${STORAGE_DEFAULTS.jobsInFlight.full}) at a time, and each sends its own bytes`, async () => {
    const { client, dataDir, dir } = await startClient();
    opens.dir = join(dataDir, "spool");
    opens.live = 0;
    opens.peak = 0;
    const files = Array.from({ length: SHARES }, () => randomBytes(512 * KiB));
    let references;
    try {
      references = await Promise.all(files.map((bytes, i) => client.share({ bytes, fileName: `photo-${i}.jpg` }).done));
    } finally {
      opens.dir = "";
    }
    expect(opens.live).toBe(0);
    expect(opens.peak).toBeGreaterThan(0);
    expect(opens.peak).toBeLessThanOrEqual(STORAGE_DEFAULTS.jobsInFlight.full);
    const back = await client.fetch(references[SHARES - 1]!.reference, { out: join(dir, "back.jpg") }).done;
    expect(sha256Hex(readFileSync(back.path))).toBe(sha256Hex(files[SHARES - 1]!));
  });

  test("a share cancelled while it waits for its spool turn ends cancelled and is never sent; shares still waiting when the client stops are spooled all the same and sent by the next start", async () => {
    const first = await startClient();
    const files = Array.from({ length: 6 }, () => randomBytes(256 * KiB));
    const jobs = files.map((bytes, i) => first.client.share({ bytes, fileName: `photo-${i}.jpg` }));
    const cancelled = jobs.at(-1)!;
    cancelled.cancel();
    await expect(cancelled.done).rejects.toMatchObject({ code: "E_ABORTED" });
    const stopped = jobs.slice(0, -1).map((j) => j.done.then(() => "sent", (e: { code?: string }) => e.code));
    await first.client.stop();
    expect(await Promise.all(stopped)).toContain("E_CLIENT_CLOSED");
    // Every share's bytes were spooled before the client stopped, but the cancelled one's: cancelled while it waited, it wrote nothing (spool-wait-cancel.test.ts).
    expect(readdirSync(join(first.dataDir, "spool")).sort()).toEqual(files.slice(0, -1).map(cidOfBytes).sort());
    const second = await startClient({ dir: first.dir, backend: first.backend });
    const ids = jobs.slice(0, -1).map((j) => j.id);
    const results = await Promise.all(ids.map((id) => second.client.job(id).done));
    for (const [i, result] of results.entries()) {
      const back = await second.client.fetch((result as { reference: Uint8Array }).reference, { out: join(first.dir, `back-${i}.jpg`) }).done;
      expect(sha256Hex(readFileSync(back.path))).toBe(sha256Hex(files[i]!));
    }
    expect(second.client.job(cancelled.id).state).toBe("cancelled");
  });
});
