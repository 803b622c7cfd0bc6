/**
 * A piece of several open steps (OPEN_STEP_BYTES each: a one-piece file from a sender whose piece
 * is the whole file) is opened and written a step at a time. A cancel or a stop that comes while
 * the first step is written must stop the piece there: the run went on opening and writing every
 * remaining step (48 MiB of a 48 MiB file, a phone's disk and battery) before it noticed, and the
 * job settled only after the whole piece was on disk.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { OPEN_STEP_BYTES } from "../../src/storage/download/open-steps.js";
import type { StorageClient, TransferJob, FetchResult } from "../../src/storage/index.js";
import { fileSha256, KiB, MiB, sha256Hex, startClient, writeRandomFile } from "./support/client-fixture.js";

const SIZE = 48 * MiB; // twelve steps of 4 MiB

/** The size of the download's temp file in `dir` (dot-named `.part` beside the destination), 0 while there is none. */
function tempSize(dir: string): number {
  const name = readdirSync(dir).find((n) => n.endsWith(".part"));
  if (name === undefined) return 0;
  try {
    return statSync(join(dir, name)).size;
  } catch {
    return 0;
  }
}

/**
 * Starts the fetch, and once its temp file holds the first step's bytes calls `end` (a cancel or
 * a stop); returns the temp file's size then and the largest size it reached until the job settled.
 */
async function endWhileWriting(client: StorageClient, reference: Uint8Array, dir: string, end: (job: TransferJob<FetchResult>) => void): Promise<{ atEnd: number; largest: number; outcome: string }> {
  const job = client.fetch(reference, { out: join(dir, "whole.bin") });
  let settled = false;
  const outcome = job.done.then(
    () => "done",
    (error: { code?: string }) => error.code ?? "unknown",
  );
  void outcome.then(() => (settled = true));
  // Looks at the temp file on every turn of the event loop: a step's write takes several.
  let atEnd = -1;
  let largest = 0;
  while (!settled) {
    const size = tempSize(dir);
    if (atEnd < 0 && size > 0) {
      atEnd = size;
      end(job);
    }
    if (atEnd >= 0) largest = Math.max(largest, size);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { atEnd, largest, outcome: await outcome };
}

describe("a download stops between the open steps of a piece", () => {
  test("a cancel while a 48 MiB one-piece file's first step is written ends the job cancelled with at most the step after it written, and no temp file left", async () => {
    const sender = await startClient({ chunkSize: 64 * KiB, pieceSize: SIZE });
    const { path } = writeRandomFile(sender.dir, "whole.bin", SIZE);
    const shared = await sender.client.share({ path }).done;
    expect(shared.view.pieces).toHaveLength(1);
    const { client, dir } = await startClient({ backend: sender.backend });
    const seen = await endWhileWriting(client, shared.reference, dir, (job) => job.cancel());
    expect(seen.outcome).toBe("E_ABORTED");
    expect(seen.atEnd).toBeGreaterThan(0);
    // The step being written when the cancel came may finish, and at most one more after it.
    expect(seen.largest, `temp file grew from ${seen.atEnd} to ${seen.largest} bytes after the cancel`).toBeLessThanOrEqual(seen.atEnd + 2 * OPEN_STEP_BYTES);
    expect(readdirSync(dir).filter((n) => n.endsWith(".part"))).toEqual([]);
  });

  test("a stop while a 48 MiB one-piece file's first step is written ends the run there, keeping the job for the next start", async () => {
    const sender = await startClient({ chunkSize: 64 * KiB, pieceSize: SIZE });
    const { path, bytes } = writeRandomFile(sender.dir, "whole.bin", SIZE);
    const shared = await sender.client.share({ path }).done;
    const { client, dir, statePath, dataDir } = await startClient({ backend: sender.backend });
    let stopped: Promise<void> | undefined;
    let id = "";
    const seen = await endWhileWriting(client, shared.reference, dir, (job) => {
      id = job.id;
      stopped = client.stop();
    });
    await stopped;
    expect(seen.outcome).not.toBe("done");
    expect(seen.atEnd).toBeGreaterThan(0);
    expect(seen.largest, `temp file grew from ${seen.atEnd} to ${seen.largest} bytes after the stop`).toBeLessThanOrEqual(seen.atEnd + 2 * OPEN_STEP_BYTES);
    const next = await startClient({ dir, backend: sender.backend, statePath, dataDir });
    const result = (await next.client.job(id).done) as FetchResult;
    expect(fileSha256(result.path)).toBe(sha256Hex(bytes));
  });
});
