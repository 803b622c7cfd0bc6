/**
 * A cancel that comes once every piece is stored, while the upload takes its last checks (the
 * whole-file digest, the source's size and identity), still cancels it: cancel() returned as if it
 * had, so the application that awaited `done` to send the chat message sent the cancelled file.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { busyHashingWorker } from "./support/busy-hashing-worker.js";
import { SMALL_PIECES, startClient, writeRandomFile } from "./support/client-fixture.js";

describe("cancel at the end of an upload", () => {
  test("a cancel after the last piece was stored, before the upload is done, ends it cancelled, not done", async () => {
    const { client, dir } = await startClient();
    const { path } = writeRandomFile(dir, "photo.jpg", 12 * SMALL_PIECES.pieceSize + 123);
    const job = client.share({ path });
    // Holds the process's hashing worker (shared with the client) once the last piece is stored, so
    // the upload's final digest waits behind these: the cancel below lands in its last checks.
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
    } finally {
      await worker.release();
    }
  });
});
