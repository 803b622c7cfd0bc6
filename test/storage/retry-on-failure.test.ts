import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import type { StorageClient } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const refused = (): StorageError => new StorageError("E_BACKEND_REJECTED", "refused (test)");

/** A started client over a local store that refuses every put (until the test clears beforePut). */
async function clientWhoseStoreRefusesPuts(): Promise<{ dir: string; backend: InstrumentedBackend; client: StorageClient }> {
  const dir = tempDir();
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  backend.beforePut = () => {
    throw refused();
  };
  const { client } = await startClient({ dir, backend });
  return { dir, backend, client };
}

describe("retry asked for as soon as a job fails", () => {
  test("an upload retried from its done.catch runs again and finishes (the retry is not dropped while the failed run winds down)", async () => {
    const { dir, backend, client } = await clientWhoseStoreRefusesPuts();
    const { path } = writeRandomFile(dir, "f.bin", 100 * KiB);
    const job = client.share({ path });
    const retried = job.done.then(
      () => undefined,
      (error: unknown) => {
        expect(error).toMatchObject({ code: "E_BACKEND_REJECTED" });
        backend.beforePut = undefined;
        return client.retry(job.id);
      },
    );
    const again = await retried;
    expect(again).toBeDefined();
    await expect(again?.done).resolves.toMatchObject({ jobId: job.id });
    expect(client.jobs().find((j) => j.id === job.id)).toMatchObject({ state: "done", attempts: 2 });
  });

  test("a download retried from the failed state event runs again and writes the verified file", async () => {
    const sender = await startClient();
    const bytes = randomBytes(100 * KiB);
    const { reference } = await sender.client.share({ bytes, fileName: "f.bin" }).done;
    const backend = new InstrumentedBackend(sender.backend);
    backend.beforeGet = () => {
      throw refused();
    };
    const { client, dir } = await startClient({ backend });
    const out = join(dir, "out.bin");
    const job = client.fetch(reference, { out });
    const again = new Promise<ReturnType<typeof client.retry>>((resolve) =>
      job.on("state", (state) => {
        if (state !== "failed") return;
        backend.beforeGet = undefined;
        resolve(client.retry(job.id));
      }),
    );
    await expect(job.done).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });
    await expect((await again).done).resolves.toMatchObject({ jobId: job.id, path: out });
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(client.jobs().find((j) => j.id === job.id)).toMatchObject({ state: "done", attempts: 2 });
  });

  test("a job cancelled from the failed state event ends cancelled for good (the cancel is not lost while the failed run winds down)", async () => {
    const { dir, client } = await clientWhoseStoreRefusesPuts();
    const job = client.share({ path: writeRandomFile(dir, "f.bin", 100 * KiB).path });
    job.on("state", (state) => state === "failed" && job.cancel());
    await expect(job.done).rejects.toMatchObject({ code: "E_BACKEND_REJECTED" });
    // The cancel lands once the failed run has wound down: wait for it (a fixed sleep flakes on a loaded machine).
    await vi.waitFor(() => expect(client.jobs().find((j) => j.id === job.id)).toMatchObject({ state: "cancelled" }), { timeout: 10_000 });
    expect(() => client.retry(job.id)).toThrow(expect.objectContaining({ code: "E_UNSUPPORTED" }));
  });
});
