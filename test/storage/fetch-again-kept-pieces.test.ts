/**
 * A download to an `out` that failed keeping its verified pieces (an outage) is unfinished: the next
 * start resumes it. A later fetch of the same file to the same `out` (the application asking again
 * rather than calling retry()) left it as it was, since a download of the same content is "left to
 * run": the new fetch downloaded the whole file, the failed one's temp file stayed beside `out`, and
 * the next start resumed it and downloaded the rest again. The later fetch now runs the kept one
 * again (its pieces are kept) and ends with the file it puts there.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/index.js";
import { FAST_RETRY, SMALL_PIECES, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";

const PIECES = 8;

describe("a fetch again of a download that failed keeping its pieces", () => {
  test("goes on from the kept pieces: only the others are fetched, once, and no temp file stays beside out", async () => {
    const sender = await startClient();
    const { path, bytes } = writeRandomFile(sender.dir, "video.mp4", PIECES * SMALL_PIECES.pieceSize);
    const { reference } = await sender.client.share({ path }).done;
    const store = new InstrumentedBackend(sender.backend);
    let served = 0;
    store.beforeGet = () => {
      if (served++ < 3) return;
      throw unreachable("the node");
    };
    const { client, dir } = await startClient({ backend: store, piecesInFlight: 1, retry: { ...FAST_RETRY, maxAttempts: 3 } });
    const out = join(dir, "video.mp4");
    const failed = client.fetch(reference, { out });
    const error = (await failed.done.catch((e: unknown) => e)) as StorageError;
    expect(error.details, error.message).toMatchObject({ keptPieces: 3 });

    // Its run winds down (the queue frees its slot) on the turns after its done settled.
    await new Promise((resolve) => setImmediate(resolve));
    // The network is back; the application fetches the file to the same path again.
    store.beforeGet = undefined;
    const before = store.gets;
    const again = client.fetch(reference, { out });
    const result = await again.done;
    expect(result.path).toBe(out);
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(store.gets - before, "pieces fetched after the outage").toBe(PIECES - 3);
    expect(readdirSync(dir).filter((n) => n.endsWith(".part"))).toEqual([]);
    expect(client.job(failed.id).state).toBe("done");
  });
});
