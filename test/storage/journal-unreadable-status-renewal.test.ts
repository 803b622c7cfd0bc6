/**
 * status() and renewDue() read the availability journal. When it cannot be read (the application
 * closed the state it passed in; a failing disk does the same), they rejected with the raw
 * better-sqlite3 error, not the storage layer's typed error every other entry point gives (so an
 * application switching on `code` saw undefined, and the background renewal logged no code).
 */
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { openState } from "../../src/state/index.js";
import { StorageClient } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { FAST_RETRY, SMALL_PIECES, localStore, writeRandomFile } from "./support/client-fixture.js";
import { tempDir } from "../support/temp-dir.js";

describe("status() and renewDue() when the journal cannot be read", () => {
  test("reject with the storage layer's typed error", async () => {
    const dir = tempDir();
    const state = await openState({ path: join(dir, "state.sqlite"), level: 3 });
    const client = await StorageClient.open({ protocol: 3, backend: localStore(join(dir, "store")), state, dataDir: join(dir, "data"), renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES });
    onTestFinished(() => client.stop());
    const shared = await client.share({ path: writeRandomFile(dir, "a.bin", 3 * SMALL_PIECES.pieceSize).path }).done;
    state.close();
    const status = await client.status(shared.reference).then(() => "resolved", (error: unknown) => error);
    expect(status).toBeInstanceOf(StorageError);
    expect(typeof (status as StorageError).code).toBe("string");
    const renewal = await client.renewDue().then(() => "resolved", (error: unknown) => error);
    expect(renewal).toBeInstanceOf(StorageError);
    expect(typeof (renewal as StorageError).code).toBe("string");
  });
});
