/**
 * A download that fails keeping its verified pieces tells an application how to go on from them:
 * retry(), or the client's next start. The CLI says its own words in their place (run the same
 * command again: test/cli/file-get-kept-pieces.test.ts); the library keeps these, which the journal's
 * last_error also holds.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { RESUME_KEPT_PIECES, StorageError } from "../../src/storage/index.js";
import { FAST_RETRY, SMALL_PIECES, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";

describe("the message of a download that keeps its pieces", () => {
  test("says retry(), or the client's next start, goes on from them", async () => {
    const sender = await startClient();
    const { path } = writeRandomFile(sender.dir, "video.mp4", 4 * SMALL_PIECES.pieceSize);
    const { reference } = await sender.client.share({ path }).done;
    const store = new InstrumentedBackend(sender.backend);
    let served = 0;
    store.beforeGet = () => {
      if (served++ < 2) return;
      throw unreachable("the node");
    };
    const receiver = await startClient({ backend: store, piecesInFlight: 1, retry: { ...FAST_RETRY, maxAttempts: 2 } });
    const error = (await receiver.client.fetch(reference, { out: join(receiver.dir, "video.mp4") }).done.catch((e: unknown) => e)) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.details, error.message).toMatchObject({ keptPieces: 2 });
    expect(RESUME_KEPT_PIECES).toBe("retry(), or the client's next start,");
    expect(error.message).toContain("retry(), or the client's next start, goes on from those, which are kept for a resume");
  });
});
