/**
 * A download that failed keeping its verified pieces (the rename onto its destination refused for
 * a passing cause, EBUSY) is retried by an application from its handle's `failed` state event, as a
 * UI bound to the job's state does. That event comes while the run records its failure, before it
 * cleans up; the clean-up then read the row the retry had queued again and, seeing no failure that
 * kept pieces, removed the temp file and forgot them: the retry fetched the whole file again,
 * though the error had said retry() would not. The rename fails with the OS's EBUSY through a
 * pass-through wrapper of node:fs/promises' rename (every other call goes to the real one).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test, vi } from "vitest";
import type { FetchResult, TransferJob } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { localStore, SMALL_PIECES, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** Renames onto this path fail with EBUSY while it is set. */
const fault = vi.hoisted(() => ({ path: "", refused: 0 }));

vi.mock("node:fs/promises", async (importOriginal) => (await import("./support/fs-faults.js")).failingFsPromises(await importOriginal(), "rename", "EBUSY", fault));

test("a retry asked for from the failed state event of a download that kept its pieces fetches none of them again", async () => {
  const dir = tempDir("scc-retry-on-failed-");
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const { client } = await startClient({ dir, backend });
  const { path, bytes } = writeRandomFile(dir, "photo.jpg", 6 * SMALL_PIECES.pieceSize);
  const { view } = await client.share({ path }).done;
  mkdirSync(join(dir, "received"));
  const out = join(dir, "received", "photo.jpg");
  const gets = backend.gets;
  const job = client.fetch(view, { out }) as TransferJob<FetchResult>;
  fault.path = out;
  fault.refused = 0;
  let retried: TransferJob<FetchResult> | undefined;
  job.on("state", (state) => {
    if (state !== "failed" || retried !== undefined) return;
    fault.path = "";
    retried = client.retry(job.id) as TransferJob<FetchResult>;
  });
  const first = await job.done.then(
    () => "done",
    (error: { code?: string }) => error.code,
  );
  fault.path = "";
  expect(fault.refused).toBe(1);
  expect(first).toBe("E_LOCAL_IO");
  expect(retried).toBeDefined();
  const result = await (retried as TransferJob<FetchResult>).done;
  expect(readFileSync(result.path).equals(bytes)).toBe(true);
  expect(backend.gets - gets, "pieces fetched in all").toBe(view.pieces.length);
});
