/**
 * Light mode with endpoints of different Codex builds: a newer build records more in its manifest
 * (blockSize), so the same bytes get another CID there. A renewal must store a piece again where it
 * comes back under the CID the reference carries, not fail because the endpoint it happened to
 * prefer is the other build.
 */
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { startCodexTestServer } from "../support/codex-server/index.js";
import { FAST_RETRY, KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

const DAY = 24 * 60 * 60 * 1000;

async function node(blockSize?: number) {
  const server = await startCodexTestServer(blockSize === undefined ? {} : { blockSize });
  onTestFinished(() => server.close());
  const backend = createCodexBackend({ url: server.url, requestTimeoutMs: 2_000 });
  onTestFinished(() => backend.close());
  return { server, backend };
}

describe("light mode renewal across endpoints of different builds", () => {
  test("a renewal past expiry whose preferred endpoint gives the piece another CID stores it again on the endpoint that gives the reference's CID", async () => {
    const a = await node();
    const b = await node(32 * KiB);
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", endpoints: [a.backend, b.backend], backend: undefined, retry: FAST_RETRY, clock: { now: () => clock.t } });
    const { path } = writeRandomFile(dir, "a.bin", 100 * KiB);
    const { view } = await client.share({ path }).done;
    // Something only b has: a answers 404 (tried once), b serves it, and b becomes the endpoint tried first.
    const other = writeRandomFile(dir, "b.bin", 10 * KiB);
    const sender = await startClient({ mode: "light", endpoints: [b.backend], backend: undefined, retry: FAST_RETRY });
    const shared = await sender.client.share({ path: other.path }).done;
    await client.fetch(shared.reference, { out: join(dir, "b.copy") }).done;
    // Past its expiry (the app was not opened for a month): sealed again from the source, not read back first.
    clock.t += 31 * DAY;
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed.sort()).toEqual(view.pieces.map((p) => p.cid).sort());
  });
});
