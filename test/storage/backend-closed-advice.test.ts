/**
 * A job cut short by its backend closing under the running client was told "retry() runs it again
 * once the backend is open". The local store and the Codex backend never open again once closed
 * (their own error says "create a new backend"), and a running client cannot be given another:
 * an application that followed the advice got the same failure from every retry(). The message now
 * says what brings the job back with them: stopping the client and starting one with a new backend,
 * whose start resumes it (retry() remains for a backend of the application's own that reconnects).
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageClient } from "../../src/storage/index.js";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { startClient } from "./support/client-fixture.js";

describe("a job whose shipped backend was closed under the running client", () => {
  test("fails saying to start a client with a new backend, which resumes it; retry() on the closed one fails alike", async () => {
    const { client, backend, dir, statePath, dataDir } = await startClient();
    await backend.close();
    const job = client.share({ bytes: Buffer.from("a note"), fileName: "note.txt" });
    const error = await job.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "E_CLIENT_CLOSED" });
    const message = (error as Error).message;
    expect(message).toMatch(/a closed local store or Codex backend does not open again: stop this client and start one with a new backend, whose start resumes it/);
    expect(message).not.toMatch(/retry\(\) runs it again once the backend is open,/);
    await expect(client.retry(job.id).done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    await client.stop();
    const store = createLocalBackend({ dir: join(dir, "store") });
    const next = await StorageClient.open({ protocol: 3, backend: store, statePath, dataDir, renewEveryMs: 0 });
    try {
      await expect(next.job(job.id).done).resolves.toMatchObject({ protocol: 3 });
    } finally {
      await next.stop();
      await store.close();
    }
  });
});
