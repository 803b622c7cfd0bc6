/**
 * Journal retention picks the failed downloads it will forget, then removes their temp files one by
 * one (awaited), then deletes their rows. An application retrying one of those downloads in that
 * gap (a user tapping "retry" on an old failed photo while the periodic clean-up runs) must keep
 * its job: the row of a running download must not be deleted under it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import type { ClientContext } from "../../src/storage/client-context.js";
import { forgetEndedJobs } from "../../src/storage/journal-retention.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const DAY = 24 * 3600 * 1000;

test("a failed download retried while retention is forgetting it keeps its row, runs and delivers the file", async () => {
  const dir = tempDir("scc-retention-race-");
  const clock = { t: Date.UTC(2026, 0, 1) };
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const { client } = await startClient({ dir, backend, clock: { now: () => clock.t } });
  const sent = writeRandomFile(dir, "photo.jpg", 100 * KiB);
  const { reference } = await client.share({ path: sent.path }).done;
  backend.beforeGet = () => {
    throw new StorageError("E_BACKEND_REJECTED", "refused (test)");
  };
  const out = join(dir, "photo.out");
  const failed = client.fetch(reference, { out });
  await expect(failed.done).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });
  backend.beforeGet = undefined;
  clock.t += 31 * DAY;

  const ctx = (client as unknown as { ctx: ClientContext }).ctx;
  let retried: Promise<unknown> | undefined;
  // Asked whether the failed download is live, the application retries it right then: after
  // retention chose it, before its row is deleted.
  await forgetEndedJobs(ctx, 30 * DAY, (id) => {
    if (id === failed.id && retried === undefined) retried = client.retry(id).done;
    return false;
  });
  expect(retried).toBeDefined();
  await retried;
  expect(readFileSync(out).equals(sent.bytes)).toBe(true);
  expect(ctx.downloads.get(failed.id)?.state).toBe("done");
});
