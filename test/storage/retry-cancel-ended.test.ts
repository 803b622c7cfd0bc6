/**
 * retry(id) and cancel(id) of a job in a state they cannot move it from throw E_UNSUPPORTED. The
 * message named the journal's move ("upload job … is done; it cannot become queued"), which says
 * nothing of retry() or cancel() to the developer who called them: it now also says what to do.
 */
import { describe, expect, test } from "vitest";
import { gate } from "../support/gate.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { KiB, localStore, startClient, uploading, writeRandomFile } from "./support/client-fixture.js";
import { join } from "node:path";
import { tempDir } from "../support/temp-dir.js";

function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error("it did not throw");
}

describe("retry() and cancel() of a job that cannot move so say what to do", () => {
  test("a done upload: retry() says only a failed job is retried and where its result is; cancel() says it ended and how to stop renewing", async () => {
    const { client, dir } = await startClient();
    const job = client.share({ path: writeRandomFile(dir, "f.bin", 10 * KiB).path });
    await job.done;
    expect(thrown(() => client.retry(job.id))).toMatchObject({
      code: "E_UNSUPPORTED",
      message: expect.stringMatching(/is done; it cannot become queued: only a failed job can be retried, .*job\(id\)\.done$/),
      details: { id: job.id, kind: "upload", from: "done", to: "queued" },
    });
    expect(thrown(() => client.cancel(job.id))).toMatchObject({ code: "E_UNSUPPORTED", message: expect.stringContaining("release(reference)") });
  });

  test("a cancelled download: retry() says to fetch the reference again; a running upload: retry() says to wait for done", async () => {
    const dir = tempDir("scc-retry-ended-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const { client } = await startClient({ dir, backend });
    const shared = await client.share({ path: writeRandomFile(dir, "f.bin", 10 * KiB).path }).done;
    const download = client.fetch(shared.reference, { out: join(dir, "copy.bin") });
    download.cancel();
    await expect(download.done).rejects.toMatchObject({ code: "E_ABORTED" });
    expect(thrown(() => client.retry(download.id))).toMatchObject({ code: "E_UNSUPPORTED", message: expect.stringContaining("fetch the reference again") });

    const held = gate();
    backend.beforePut = () => held.wait;
    const running = client.share({ path: writeRandomFile(dir, "g.bin", 10 * KiB).path });
    await uploading(running);
    expect(thrown(() => client.retry(running.id))).toMatchObject({ code: "E_UNSUPPORTED", message: expect.stringContaining("wait for job(id).done") });
    held.open();
    await running.done;
  });
});
