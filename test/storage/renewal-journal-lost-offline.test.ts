/**
 * Once a renewal run finds the network down, it reports each remaining piece failed with the
 * outage's code after looking it up in the journal. When the journal could no longer be read by
 * then (the application closed the state it passed in; a failing disk does the same), that
 * look-up's raw better-sqlite3 error escaped renewDue(), not the storage layer's typed error every
 * other failure of the run gives.
 */
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { openState } from "../../src/state/index.js";
import { StorageClient } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { SMALL_PIECES, localStore, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";

const DAY = 24 * 60 * 60 * 1000;

describe("a renewal run offline whose journal becomes unreadable", () => {
  test("rejects with the storage layer's typed error", async () => {
    const dir = tempDir();
    const state = await openState({ path: join(dir, "state.sqlite"), level: 3 });
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const client = await StorageClient.open({
      protocol: 3,
      backend,
      state,
      dataDir: join(dir, "data"),
      clock: { now: () => clock.t },
      renewEveryMs: 0,
      retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 2 },
      ...SMALL_PIECES,
    });
    onTestFinished(() => client.stop());
    const shared = await client.share({ path: writeRandomFile(dir, "a.bin", 3 * SMALL_PIECES.pieceSize).path }).done;
    expect(shared.view.pieces).toHaveLength(3);
    clock.t += 28 * DAY;
    // Offline; the application closes its state while the first piece is being stored again.
    backend.beforeGet = () => {
      throw unreachable(backend.location);
    };
    backend.beforePut = () => {
      if (state.db.open) state.close();
      throw unreachable(backend.location);
    };
    const renewal = await client.renewDue().then(
      (report) => report,
      (error: unknown) => error,
    );
    expect(renewal).toBeInstanceOf(StorageError);
    expect(typeof (renewal as StorageError).code).toBe("string");
  });
});
