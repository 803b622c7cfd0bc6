/**
 * An application that migrates its state itself passes the handle as `state`, and the client never
 * closes it. Closed before stop() (an app tearing down in the order it built), the running upload's
 * next journal write met better-sqlite3's TypeError "The database connection is not open" and the
 * job failed E_INTERNAL, "a bug ... please report it": the app's own order was the cause. It is the
 * start's refusal of a closed handle, E_UNSUPPORTED, now, saying to close the state after stop();
 * the row stays as it was and the next start resumes the upload. (state-closed-under-client.test.ts:
 * a queued job whose turn comes after such a close.)
 */
import { join } from "node:path";
import { expect, test } from "vitest";
import { openState } from "../../src/state/index.js";
import { StorageError } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";

test("a state handle closed under a running upload fails it E_UNSUPPORTED saying to close it after stop(), and the next start finishes the upload", async () => {
  const dir = tempDir("scc-state-closed-");
  const statePath = join(dir, "state.sqlite");
  const state = await openState({ path: statePath });
  let stateOpen = true;
  try {
    const backend = localStore(join(dir, "store"));
    const { client } = await startClient({ dir, backend, state, statePath: undefined, dataDir: join(dir, "data") });
    const job = client.share({ path: writeRandomFile(dir, "video.bin", 40 * 32 * KiB).path });
    // Closed as the first piece is journaled: 39 more are still to store and journal.
    job.once("progress", () => {
      state.close();
      stateOpen = false;
    });
    const error = await job.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_UNSUPPORTED");
    expect((error as StorageError).message).toMatch(/state database was closed while the client ran/);
    expect((error as StorageError).message).toMatch(/after stop\(\)/);
    await client.stop();

    const { client: next } = await startClient({ dir, backend, statePath, dataDir: join(dir, "data") });
    const result = await next.job(job.id).done;
    expect("reference" in result && result.reference.length).toBeGreaterThan(0);
  } finally {
    if (stateOpen) state.close();
  }
});
