/**
 * A download cut by its job deadline (`deadlineMs`, 30 minutes by default) on a slow link had its
 * temp file and verified pieces removed with the failure, so retry() fetched them all again and ran
 * into the same deadline at the same point: on a link under 28 KiB/s a 50 MiB file could never be
 * received. It now keeps them (its error ends with the kept-pieces mark, as a passing disk
 * failure's does), and retry() or the next start goes on from there.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect, test } from "vitest";
import { StorageError, type FetchResult, type TransferJob } from "../../src/storage/index.js";
import { FAST_RETRY, SMALL_PIECES, sha256Hex, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

test("a download cut by its job deadline keeps its verified pieces: the next start resumes it and fetches only the others", async () => {
  const sender = await startClient();
  const { path, bytes } = writeRandomFile(sender.dir, "video.mp4", 8 * SMALL_PIECES.pieceSize);
  const { reference } = await sender.client.share({ path }).done;
  const store = new InstrumentedBackend(sender.backend);
  let slow = true;
  // A slow link: each piece takes 150 ms, one at a time, under a 700 ms deadline.
  store.beforeGet = async () => {
    if (slow) await sleep(150);
  };
  const setup = await startClient({ backend: store, piecesInFlight: 1, retry: { ...FAST_RETRY, deadlineMs: 700 } });
  const out = join(setup.dir, "video.mp4");
  const job = setup.client.fetch(reference, { out }) as TransferJob<FetchResult>;
  const error = (await job.done.catch((e: unknown) => e)) as StorageError;
  expect(error).toBeInstanceOf(StorageError);
  expect(error.code, error.message).toBe("E_TIMEOUT");
  const verified = (error.details as { keptPieces?: number } | undefined)?.keptPieces ?? 0;
  expect(verified, error.message).toBeGreaterThan(0);
  expect(existsSync(out)).toBe(false);
  // The app is closed and opened again: its start resumes the download from those pieces.
  await setup.client.stop();
  slow = false;
  const before = store.gets;
  const again = await startClient({ dir: setup.dir, backend: store, statePath: setup.statePath, dataDir: setup.dataDir });
  const result = (await again.client.job(job.id).done) as FetchResult;
  expect(sha256Hex(readFileSync(result.path))).toBe(sha256Hex(bytes));
  expect(store.gets - before, "pieces fetched by the retry").toBe(8 - verified);
});

test("a run cut by its job deadline before it verified one more piece keeps nothing: the next start does not resume it, and no temp file stays", async () => {
  const sender = await startClient();
  const { path } = writeRandomFile(sender.dir, "video.mp4", 4 * SMALL_PIECES.pieceSize);
  const { reference } = await sender.client.share({ path }).done;
  const store = new InstrumentedBackend(sender.backend);
  // Every piece takes longer than the whole deadline: a resume at every start would never get further.
  store.beforeGet = () => sleep(400);
  const setup = await startClient({ backend: store, piecesInFlight: 1, retry: { ...FAST_RETRY, deadlineMs: 150 } });
  const job = setup.client.fetch(reference, { out: join(setup.dir, "video.mp4") });
  const error = (await job.done.catch((e: unknown) => e)) as StorageError;
  expect(error.code, error.message).toBe("E_TIMEOUT");
  expect((error.details as { keptPieces?: number } | undefined)?.keptPieces).toBeUndefined();
  await setup.client.stop();
  const again = await startClient({ dir: setup.dir, backend: store, statePath: setup.statePath, dataDir: setup.dataDir });
  expect(again.client.jobs().find((j) => j.id === job.id)?.state).toBe("failed");
  expect(readdirSync(setup.dir).filter((n) => n.endsWith(".part"))).toEqual([]);
});
