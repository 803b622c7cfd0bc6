/**
 * An application that closes its backend before (or while) it stops the client: the calls in
 * flight end with E_CLIENT_CLOSED, which says "the client (or backend) was stopped; the job resumes
 * on the next start". The job was journaled failed instead, and a failed job never resumes: the
 * photo being sent stayed unsent after the restart, with nothing but a retry the user had to find.
 */
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { StorageClient } from "../../src/storage/index.js";
import { localStore, SMALL_PIECES, writeRandomFile, fileSha256, sha256Hex } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { reopenable } from "./support/reopenable-client.js";
import { tempDir } from "../support/temp-dir.js";

describe("a backend closed before its client stops", () => {
  test("an upload it cut short resumes on the next start and completes", async () => {
    const dir = tempDir();
    const first = new InstrumentedBackend(localStore(join(dir, "store")));
    let puts = 0;
    // The second put is on its way when the store closes under it.
    let arrive!: () => void;
    const onItsWay = new Promise<void>((resolve) => (arrive = resolve));
    first.beforePut = () => (++puts === 2 ? onItsWay : undefined);
    const a = await StorageClient.open(reopenable(dir, first));
    const { path, bytes } = writeRandomFile(dir, "photo.jpg", 5 * SMALL_PIECES.pieceSize);
    const job = a.share({ path });
    await vi.waitFor(() => expect(puts).toBeGreaterThanOrEqual(2), { timeout: 5_000 });
    // The application shuts down in the wrong order: the store first.
    await first.close();
    arrive();
    await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    await a.stop();

    const second = new InstrumentedBackend(localStore(join(dir, "store")));
    const b = await StorageClient.open(reopenable(dir, second));
    try {
      const resumed = b.job(job.id);
      const { reference } = (await resumed.done) as { reference: Uint8Array };
      const out = join(dir, "back.jpg");
      await b.fetch(reference, { out }).done;
      expect(fileSha256(out)).toBe(sha256Hex(bytes));
    } finally {
      await b.stop();
    }
  });
});
