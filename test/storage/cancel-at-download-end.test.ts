/**
 * A cancel that comes once every piece is fetched, while the download takes its last steps (the
 * whole-file digest, the sync, the rename), still cancels it: cancel() returned as if it had, and
 * the job then ended done with the file in place, so the application that showed "cancelled" found
 * the file written and the journal saying done.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect, test } from "vitest";
import { busyHashingWorker } from "./support/busy-hashing-worker.js";
import { SMALL_PIECES, startClient, writeRandomFile } from "./support/client-fixture.js";

test("a cancel after the last piece was fetched, before the download is done, ends it cancelled with no file at its destination", async () => {
  const { client, dir } = await startClient();
  const { path } = writeRandomFile(dir, "photo.jpg", 12 * SMALL_PIECES.pieceSize + 123);
  const { reference } = await client.share({ path }).done;
  const out = join(dir, "back.jpg");
  const job = client.fetch(reference, { out });
  // Holds the process's hashing worker (shared with the client) once the last piece is written, so
  // the download's whole-file digest waits behind these: the cancel below lands in its last steps.
  const worker = busyHashingWorker();
  job.on("progress", (p) => {
    if (p.piecesDone === p.piecesTotal) worker.hold();
  });
  try {
    await new Promise<void>((resolve) => job.on("progress", (p) => p.piecesDone === p.piecesTotal && resolve()));
    await sleep(50);
    job.cancel();
    const outcome = await job.done.then(
      () => "done",
      (error: { code?: string }) => error.code,
    );
    expect(outcome).toBe("E_ABORTED");
    expect(client.jobs().find((j) => j.id === job.id)?.state).toBe("cancelled");
    expect(existsSync(out)).toBe(false);
  } finally {
    await worker.release();
  }
});
