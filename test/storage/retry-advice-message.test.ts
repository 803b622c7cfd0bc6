/**
 * The library's advice to an application whose download failed and kept nothing: call retry(). The
 * phrases are exported (RETRY_STARTS_OVER, RETRY_FETCHES_AGAIN) so the CLI can say its own words in
 * their place (test/cli/file-get-retry-words.test.ts); the library keeps these.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { RETRY_FETCHES_AGAIN, RETRY_STARTS_OVER, StorageError, type FetchResult } from "../../src/storage/index.js";
import { gate } from "../support/gate.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "../support/until.js";
import { SMALL_PIECES, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

async function shared() {
  const sender = await startClient();
  const file = writeRandomFile(sender.dir, "video.mp4", 4 * SMALL_PIECES.pieceSize);
  const { reference } = await sender.client.share({ path: file.path }).done;
  return { sender, reference };
}

describe("the message of a download that failed keeping nothing", () => {
  test("a folder where its temp file goes: move it away, then retry() (the download starts over)", async () => {
    const { sender, reference } = await shared();
    const receiver = await startClient({ backend: sender.backend });
    const out = join(tempDir("scc-retry-words-"), "video.mp4");
    const job = receiver.client.fetch(reference, { out });
    // Before the run's first turn: its temp file's path, `<out>.<id8>.part`, is a folder.
    mkdirSync(`${out}.${job.id.slice(0, 8)}.part`);
    const error = (await job.done.catch((e: unknown) => e)) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code, error.message).toBe("E_LOCAL_IO");
    expect(RETRY_STARTS_OVER).toBe("retry() (the download starts over)");
    expect(error.message).toContain("that is a folder, which this client never makes there; move that folder away, then retry() (the download starts over)");
  });

  test("its folder removed while it ran: retry() makes the folder again and fetches the file again", async () => {
    const { sender, reference } = await shared();
    const backend = new InstrumentedBackend(sender.backend);
    const held = gate();
    backend.beforeGet = async () => {
      if (backend.gets > 1) await held.wait;
    };
    const receiver = await startClient({ backend, piecesInFlight: 1 });
    const folder = join(tempDir("scc-retry-words-"), "downloads");
    mkdirSync(folder);
    const job = receiver.client.fetch(reference, { out: join(folder, "video.mp4") });
    await until(() => backend.gets > 1, "the download's second get");
    rmSync(folder, { recursive: true });
    held.open();
    const error = (await job.done.catch((e: unknown) => e)) as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code, error.message).toBe("E_LOCAL_IO");
    expect(RETRY_FETCHES_AGAIN).toBe("retry() makes the folder again and fetches the file again");
    expect(error.message).toContain(`its folder ${folder} was removed, its temp file with it, while it downloaded; retry() makes the folder again and fetches the file again`);
    // As it says: the retry makes the folder and fetches the file.
    const again = (await receiver.client.retry(job.id).done) as FetchResult;
    expect(again.path).toBe(join(folder, "video.mp4"));
  });
});
