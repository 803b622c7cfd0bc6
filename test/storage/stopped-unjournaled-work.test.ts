/**
 * stop() ends a job with E_CLIENT_CLOSED saying "the job stays in the journal and resumes on the
 * next start", which is true of shares and fetches. It said the same to work that is not
 * journaled and never resumes: a streamed fetch (a video playing) and a status probe. An application taking the message at its word waited for a stream or a
 * probe that the next session knows nothing of, instead of asking again.
 */
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

async function settle(work: Promise<unknown>): Promise<{ code?: string; message?: string } | undefined> {
  return work.then(
    () => undefined,
    (error: { code?: string; message?: string }) => error,
  );
}

function expectNotResumed(error: { code?: string; message?: string } | undefined, what: string): void {
  expect(error?.code, what).toBe("E_CLIENT_CLOSED");
  expect(error?.message, what).not.toMatch(/stays in the journal|resumes on the next start/);
}

describe("work that is not journaled, ended by stop()", () => {
  test("a stream and a status probe: E_CLIENT_CLOSED that does not promise a resume", async () => {
    const server = await startCodexTestServer();
    onTestFinished(() => server.close());
    const backend = createCodexBackend({ url: server.url, requestTimeoutMs: 120_000 });
    onTestFinished(() => backend.close());
    const { client, dir } = await startClient({ backend });
    const { reference } = await client.share({ path: writeRandomFile(dir, "a.bin", 64 * KiB).path }).done;
    // Nothing answers from now on: both wait until the stop.
    server.inject("*", { kind: "hang", phase: "before-headers" }, { times: 1000 });
    const stream = client.fetchStream(reference);
    const streamed = settle(stream.next());
    const probed = settle(client.status(reference, { probe: true }));
    while ((server.stats.byRoute.exists ?? 0) === 0 || (server.stats.byRoute.download ?? 0) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await client.stop();
    expectNotResumed(await streamed, "stream");
    expectNotResumed(await probed, "status probe");
  });
});
