import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import type { GetOptions, GetResult } from "../../src/storage/backend.js";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import type { StorageClient } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { codexSetup } from "./codex-fixtures.js";
import { KiB, MiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { ForwardingBackend } from "./support/forwarding-backend.js";
import { HeldTimers } from "./support/held-timers.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";

function endpoint(name: string): InstrumentedBackend {
  return new InstrumentedBackend(localStore(join(tempDir(), name)), `http://127.0.0.1/${name}`);
}

/** The file comes back whole both ways: fetched to `out`, and streamed. */
async function expectFetchedBothWays(client: StorageClient, reference: Uint8Array, out: string, bytes: Buffer): Promise<void> {
  await client.fetch(reference, { out }).done;
  expect(readFileSync(out).equals(bytes)).toBe(true);
  const parts: Buffer[] = [];
  for await (const part of client.fetchStream(reference)) parts.push(part);
  expect(Buffer.concat(parts).equals(bytes)).toBe(true);
}

describe("light mode: remote endpoints only, with failover", () => {
  test("uploads fail over from a dead endpoint to a live one, and later pieces go straight to the live one", async () => {
    const dead = endpoint("dead");
    const live = endpoint("live");
    dead.beforePut = () => {
      throw unreachable(dead.location);
    };
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: [dead, live], backend: undefined });
    const { path } = writeRandomFile(dir, "a.bin", 200 * KiB);
    const { view } = await client.share({ path }).done;
    expect(live.puts).toBe(view.pieces.length);
    // Only the first attempts of the pieces already in flight hit the dead endpoint.
    expect(dead.puts).toBeLessThanOrEqual(3);
    for (const p of view.pieces) expect(await live.has(p.cid)).toBe(true);
    const text = await client.metrics.text();
    expect(text).toMatch(/storage_retries_total\{direction="up",code="E_BACKEND_UNREACHABLE"\} [1-9]/);
  });

  test("downloads skip an endpoint that does not have the content (not retried there) and one that is down", async () => {
    const sender = await startClient();
    const { path, bytes } = writeRandomFile(sender.dir, "b.bin", 200 * KiB);
    const { reference, view } = await sender.client.share({ path }).done;
    const empty = endpoint("empty");
    const down = endpoint("down");
    down.beforeGet = () => {
      throw unreachable(down.location);
    };
    const holder = new InstrumentedBackend(sender.backend, "http://127.0.0.1/holder");
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: [empty, down, holder], backend: undefined });
    const out = join(dir, "got.bin");
    await client.fetch(reference, { out }).done;
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(holder.gets).toBe(view.pieces.length);
    // The endpoint without the content answered "not found" at most once per piece and was then left alone.
    expect(empty.gets).toBeLessThanOrEqual(view.pieces.length);
  });

  test("when every endpoint is down the job fails with E_BACKEND_UNREACHABLE after its attempts, and leaves nothing", async () => {
    const a = endpoint("a");
    const b = endpoint("b");
    for (const e of [a, b]) {
      e.beforePut = () => {
        throw unreachable(e.location);
      };
    }
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: [a, b], backend: undefined, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 6 } });
    const { path } = writeRandomFile(dir, "c.bin", 10 * KiB);
    const job = client.share({ path });
    await expect(job.done).rejects.toMatchObject({ code: "E_BACKEND_UNREACHABLE" });
    expect(a.puts + b.puts).toBe(6);
    expect(client.jobs()[0]).toMatchObject({ state: "failed" });
    // The application may try again later; stored pieces would be kept.
    a.beforePut = undefined;
    const again = client.retry(job.id);
    await expect(again.done).resolves.toMatchObject({ jobId: job.id });
  });

  test("light mode without endpoints is refused", async () => {
    await expect(startClient({ mode: "light", endpoints: [], backend: undefined })).rejects.toMatchObject({ code: "E_UNSUPPORTED" });
  });

  test("light mode runs no local node: a backend, or an endpoint that stores in this process, is refused", async () => {
    const remote = endpoint("remote");
    const local = localStore(join(tempDir(), "local"));
    await expect(startClient({ mode: "light", endpoints: [remote], backend: local })).rejects.toMatchObject({ code: "E_UNSUPPORTED", message: /not options\.backend/ });
    await expect(startClient({ mode: "light", endpoints: [remote, local], backend: undefined })).rejects.toMatchObject({ code: "E_UNSUPPORTED", message: /runs in this process/ });
  });

  test("light mode keeps no download cache: fetch without out is refused at once, fetch to a file and fetchStream work", async () => {
    const sender = await startClient();
    const { path, bytes } = writeRandomFile(sender.dir, "d.bin", 100 * KiB);
    const { reference } = await sender.client.share({ path }).done;
    const holder = new InstrumentedBackend(sender.backend, "http://127.0.0.1/holder");
    const { client, dir } = await startClient({ mode: "light", endpoints: [holder], backend: undefined });
    expect(() => client.fetch(reference)).toThrow(expect.objectContaining({ code: "E_UNSUPPORTED" }));
    expect(client.jobs()).toEqual([]);
    await expectFetchedBothWays(client, reference, join(dir, "got.bin"), bytes);
  });
});

describe("light mode on a slow but steady link", () => {
  test("a piece that takes longer than attemptTimeoutMs while its bytes keep coming is not cut: the attempt timeout is for a stalled transfer, not a slow one", async () => {
    const { server, backend: node } = await codexSetup();
    const sender = await startClient({ backend: node });
    const { path, bytes } = writeRandomFile(sender.dir, "slow.bin", 40 * KiB);
    const { reference, view } = await sender.client.share({ path }).done;
    // About 1 s per 32 KiB piece, a gap of 60 ms between bytes: healthy, only slow.
    server.inject("download", { kind: "slow", chunkBytes: 2 * KiB, everyMs: 60 }, { times: 1000 });
    const endpoint = createCodexBackend({ url: server.url, idleTimeoutMs: 2_000 });
    onTestFinished(() => endpoint.close());
    const retry = { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 2, attemptTimeoutMs: 300, deadlineMs: 30_000 };
    const { client, dir } = await startClient({ mode: "light", endpoints: [endpoint], backend: undefined, retry });
    await expectFetchedBothWays(client, reference, join(dir, "got.bin"), bytes);
    expect(view.pieces.length).toBeGreaterThan(1);
  }, 30_000);

  test("a transfer that stops making progress is still cut after attemptTimeoutMs and retried", async () => {
    const { server, backend: node } = await codexSetup();
    const sender = await startClient({ backend: node });
    const { path, bytes } = writeRandomFile(sender.dir, "stall.bin", 10 * KiB);
    const { reference } = await sender.client.share({ path }).done;
    // Headers, 1 KiB, then silence; the backend's own stall deadline is far away.
    server.inject("download", { kind: "truncate", afterBytes: 1024, then: "hang" });
    const endpoint = createCodexBackend({ url: server.url, idleTimeoutMs: 60_000 });
    onTestFinished(() => endpoint.close());
    const retry = { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3, attemptTimeoutMs: 300, deadlineMs: 30_000 };
    // The job's deadline on held time never fires, and the idle timeout outlasts the test: only the attempt timeout can cut the stall.
    const timers = new HeldTimers();
    const { client, dir } = await startClient({ mode: "light", endpoints: [endpoint], backend: undefined, retry, timers });
    const out = join(dir, "got.bin");
    await client.fetch(reference, { out }).done;
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(await client.metrics.text()).toMatch(/storage_retries_total\{direction="down",code="E_TIMEOUT"\} 1/);
    expect(timers.fired).toEqual([]);
  }, 30_000);
});

describe("light mode sharing on a slow but steady uplink", () => {
  // One piece several times the loopback socket buffers (about 4 MiB here), so its upload spends most of its time with the socket full.
  const BIG = { chunkSize: 64 * KiB, pieceSize: 32 * MiB, piecesInFlight: 1 } as const;

  // This case and the next spend seconds waiting on throttled transfers, on servers of their own, so
  // they run at once (test.concurrent; each passes its context's onTestFinished to the fixtures, as a
  // concurrent test must). The cases that count retries against attempt timeouts of 300-500 ms run
  // alone: beside a 24 MiB upload on a loaded machine, a late timer cost them an extra retry.
  test.concurrent("a piece whose upload takes longer than attemptTimeoutMs while the node keeps reading is not cut: the attempt timeout is for a stalled upload, not a slow one", async ({ onTestFinished }) => {
    const { server } = await codexSetup({}, {}, onTestFinished);
    // At most 6.4 MB/s: the 24 MiB piece takes 3.9 s at the very least (5.4 s measured here); the socket takes a
    // slice every 300 ms or so, and the last 4 MiB it buffered reach the node about 0.85 s after the last write:
    // both well under the 3 s attempt timeout, which the whole piece exceeds.
    server.inject("upload", { kind: "slow", chunkBytes: 64 * KiB, everyMs: 10 }, { times: 1000 });
    const endpoint = createCodexBackend({ url: server.url, idleTimeoutMs: 10_000, requestTimeoutMs: 10_000 });
    onTestFinished(() => endpoint.close());
    const retry = { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 2, attemptTimeoutMs: 3_000, deadlineMs: 60_000 };
    const { client, dir } = await startClient({ mode: "light", endpoints: [endpoint], backend: undefined, retry, ...BIG, finished: onTestFinished });
    const { path, bytes } = writeRandomFile(dir, "slow-up.bin", 24 * MiB);
    const started = performance.now();
    const { reference, view } = await client.share({ path }).done;
    // The throttle worked: the one attempt outlived attemptTimeoutMs.
    expect(performance.now() - started).toBeGreaterThan(retry.attemptTimeoutMs);
    expect(view.pieces.length).toBe(1);
    expect(server.stats.uploads).toBe(1);
    expect(await client.metrics.text()).not.toMatch(/storage_retries_total\{direction="up"/);
    const readerEndpoint = createCodexBackend({ url: server.url });
    onTestFinished(() => readerEndpoint.close());
    const reader = await startClient({ mode: "light", endpoints: [readerEndpoint], backend: undefined, finished: onTestFinished });
    const out = join(reader.dir, "got.bin");
    await reader.client.fetch(reference, { out }).done;
    expect(readFileSync(out).equals(bytes)).toBe(true);
  }, 60_000);

  test.concurrent("renewal on the same slow link finishes: neither its read-back of a piece nor the write of it again is cut while bytes keep moving", async ({ onTestFinished }) => {
    const { server } = await codexSetup({}, {}, onTestFinished);
    const endpoint = createCodexBackend({ url: server.url, idleTimeoutMs: 10_000, requestTimeoutMs: 10_000 });
    onTestFinished(() => endpoint.close());
    const clock = { t: Date.UTC(2026, 0, 1) };
    const retry = { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 2, attemptTimeoutMs: 3_000, deadlineMs: 60_000 };
    const { client, dir } = await startClient({ mode: "light", endpoints: [endpoint], backend: undefined, retry, clock: { now: () => clock.t }, ...BIG, finished: onTestFinished });
    const { path } = writeRandomFile(dir, "renew.bin", 24 * MiB);
    const { view } = await client.share({ path }).done;
    clock.t += 28 * 24 * 60 * 60 * 1000;
    server.inject("download", { kind: "slow", chunkBytes: 64 * KiB, everyMs: 10 }, { times: 1000 });
    server.inject("upload", { kind: "slow", chunkBytes: 64 * KiB, everyMs: 10 }, { times: 1000 });
    const started = performance.now();
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed).toEqual([view.pieces[0]!.cid]);
    // Read back and written again, each slower than one attempt timeout.
    expect(performance.now() - started).toBeGreaterThan(2 * retry.attemptTimeoutMs);
    expect(await client.metrics.text()).not.toMatch(/storage_retries_total\{direction=/);
  }, 60_000);

  test("an upload the node stops reading mid-body is still cut attemptTimeoutMs after the socket last took bytes, and retried", async () => {
    const { server } = await codexSetup();
    // The node never reads the first attempt's body; the client's writes stop once the socket buffers are full.
    server.inject("upload", { kind: "hang", phase: "no-read" });
    const endpoint = createCodexBackend({ url: server.url, idleTimeoutMs: 60_000, requestTimeoutMs: 60_000 });
    onTestFinished(() => endpoint.close());
    const retry = { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3, attemptTimeoutMs: 500, deadlineMs: 30_000 };
    // The job's deadline on held time never fires, and the idle and request timeouts outlast the test: only the attempt timeout can cut the stall.
    const timers = new HeldTimers();
    const { client, dir } = await startClient({ mode: "light", endpoints: [endpoint], backend: undefined, retry, timers, ...BIG });
    const { path } = writeRandomFile(dir, "stall-up.bin", 8 * MiB);
    const { view } = await client.share({ path }).done;
    expect(view.pieces.length).toBe(1);
    expect(server.stats.uploads).toBe(1);
    expect(await client.metrics.text()).toMatch(/storage_retries_total\{direction="up",code="E_TIMEOUT"\} 1/);
    expect(timers.fired).toEqual([]);
  }, 30_000);
});

/** An endpoint that calls `onBytes` as each part of a get's body reaches the client. */
class WatchedReads extends ForwardingBackend {
  onBytes: (() => void) | undefined;

  override async get(cid: string, options?: GetOptions): Promise<GetResult> {
    const got = await this.inner.get(cid, options);
    const watch = (): void => this.onBytes?.();
    async function* watched(): AsyncGenerator<Uint8Array> {
      for await (const part of got.body) {
        watch();
        yield part;
      }
    }
    return { size: got.size, body: watched() };
  }
}

describe("renewal against a node that trickles a piece back", () => {
  test("a read-back that keeps making progress is still bounded by deadlineMs; the piece is then sealed again from the source and renewed", async () => {
    const { server } = await codexSetup();
    const node = createCodexBackend({ url: server.url, idleTimeoutMs: 5_000 });
    onTestFinished(() => node.close());
    const endpoint = new WatchedReads(node);
    const clock = { t: Date.UTC(2026, 0, 1) };
    // The renewal's deadlines on held time: one passes only when the test moves the time on.
    const timers = new HeldTimers();
    const retry = { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3, attemptTimeoutMs: 1_000, deadlineMs: 1_000 };
    const { client, dir } = await startClient({ mode: "light", endpoints: [endpoint], backend: undefined, retry, timers, clock: { now: () => clock.t } });
    const { path } = writeRandomFile(dir, "doc.bin", 20 * KiB);
    const { view } = await client.share({ path }).done;
    clock.t += 28 * 24 * 60 * 60 * 1000;
    // 512 bytes every 100 ms: never a stall, but about 4 s for the piece; the node has it, so it is read back first.
    server.inject("download", { kind: "slow", chunkBytes: 512, everyMs: 100 }, { times: 1000 });
    // Once the read-back's bytes are coming, deadlineMs passes (progress restarts the attempt timeout, not the deadline).
    let parts = 0;
    endpoint.onBytes = () => {
      parts++;
      if (timers.fired.length === 0) timers.advance(retry.deadlineMs);
    };
    const report = await client.renewDue();
    expect(parts).toBeGreaterThan(0);
    // The read-back's deadline fired, and only it: the write that followed had its own, which did not.
    expect(timers.fired).toEqual([retry.deadlineMs]);
    expect(report).toEqual({ renewed: [view.pieces[0]!.cid], failed: [] });
    // The trickled read-back never ended: the piece was sealed again from the source and written.
    expect(server.stats.downloads).toBe(0);
    expect(server.stats.uploads).toBe(2);
  }, 20_000);
});
