/**
 * A download whose pieces hang (a reference to blocks no node has: a Codex node searches for minutes)
 * held its queue slot through every attempt and backoff until its job deadline, so two such
 * references kept every later download of the user queued for that long. A run whose every piece in
 * flight has failed since its last verified piece now gives its slot to a waiting job at its next
 * attempt and queues again behind it; its deadline keeps running, and its pieces still count when
 * they appear.
 */
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { StorageClient, type ShareResult } from "../../src/storage/index.js";
import { startCodexTestServer, type CodexTestServer } from "../support/codex-server/index.js";
import { tempDir } from "../support/temp-dir.js";
import { fileSha256, KiB, SMALL_PIECES, writeRandomFile } from "./support/client-fixture.js";

/** A Codex test server and a backend on it, both closed after the test. */
async function node(): Promise<{ server: CodexTestServer; backend: CodexBackend }> {
  const server = await startCodexTestServer();
  onTestFinished(() => server.close());
  const backend = createCodexBackend({ url: server.url, requestTimeoutMs: 60_000 });
  onTestFinished(() => backend.close());
  return { server, backend };
}

async function openClient(dir: string, name: string, endpoint: CodexBackend, deadlineMs = 60_000): Promise<StorageClient> {
  const client = await StorageClient.open({
    protocol: 3,
    mode: "light",
    endpoints: [endpoint],
    statePath: join(dir, `${name}.sqlite`),
    dataDir: join(dir, name),
    renewEveryMs: 0,
    jobsInFlight: 2,
    // Hung pieces are cut at once and tried again without a wait worth the name: the test runs on
    // the queue's decisions, not on the clock (the deadline alone is time, and it is never reached by the good download).
    retry: { baseDelayMs: 1, maxDelayMs: 5, attemptTimeoutMs: 300, deadlineMs, maxAttempts: 1_000_000, hedgeAfterMs: 0 },
    ...SMALL_PIECES,
  });
  onTestFinished(() => client.stop());
  return client;
}

async function share(client: StorageClient, dir: string, name: string): Promise<ShareResult> {
  // Four pieces: no small job, so the queue's lane cannot carry it past the hanging ones.
  return client.share({ path: writeRandomFile(dir, name, 100 * KiB).path }).done;
}

/** Copies a shared file's pieces from one node to another: its blocks appear where the receiver looks. */
async function copyPieces(shared: ShareResult, from: CodexBackend, to: CodexBackend): Promise<void> {
  for (const piece of shared.view.pieces) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of (await from.get(piece.cid)).body) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    expect(await to.put(bytes, { size: bytes.byteLength })).toBe(piece.cid);
  }
}

describe("downloads whose pieces hang", () => {
  test("two hanging references queued first do not keep a good download waiting; they end at their deadline, or finish once their blocks appear", async () => {
    const dir = tempDir();
    const home = await node();
    const elsewhere = await node();
    // The receiver's node has never seen the hanging references' blocks, and searches for them without answering.
    home.server.behaviour.missingContent = "hang";
    const sharerHere = await openClient(dir, "sharer-home", home.backend);
    const sharerThere = await openClient(dir, "sharer-elsewhere", elsewhere.backend);
    const good = await share(sharerHere, dir, "good.bin");
    const lost = await share(sharerThere, dir, "lost.bin");
    const late = await share(sharerThere, dir, "late.bin");

    const deadlineMs = 8_000;
    const receiver = await openClient(dir, "receiver", home.backend, deadlineMs);
    const settled = new Set<string>();
    const lostJob = receiver.fetch(lost.reference, { out: join(dir, "lost.copy") });
    const lateJob = receiver.fetch(late.reference, { out: join(dir, "late.copy") });
    for (const [name, job] of [["lost", lostJob], ["late", lateJob]] as const) {
      job.done.then(
        () => settled.add(name),
        () => settled.add(name),
      );
    }
    const goodJob = receiver.fetch(good.reference, { out: join(dir, "good.copy") });

    const fetched = await goodJob.done;
    expect(settled, "the good download ended while both hanging ones still ran").toEqual(new Set());
    expect(fileSha256(fetched.path)).toBe(fileSha256(join(dir, "good.bin")));

    // The late reference's blocks reach the receiver's node: its download goes on from there.
    await copyPieces(late, elsewhere.backend, home.backend);
    const placed = await lateJob.done;
    expect(fileSha256(placed.path)).toBe(fileSha256(join(dir, "late.bin")));

    // The lost one still fails at its deadline, as the docs say: the time it spent queued again counted.
    const failure = await lostJob.done.then(
      () => undefined,
      (error: unknown) => error as { code?: string },
    );
    expect(failure?.code).toBe("E_TIMEOUT");
  }, 30_000);
});
