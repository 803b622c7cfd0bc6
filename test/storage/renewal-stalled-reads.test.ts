import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import { codexSetup } from "./codex-fixtures.js";

const DAY = 24 * 60 * 60 * 1000;

describe("renewal on a node whose downloads stall while /exists still says yes", () => {
  test("a stalled read-back falls back to the unchanged source after one attempt, not after every attempt of the policy: the pieces are renewed within a short session (its data blocks gone, its manifest kept)", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 60_000 });
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t }, retry: { baseDelayMs: 1, maxDelayMs: 5, attemptTimeoutMs: 500, maxAttempts: 8 } });
    const shared = await client.share({ path: writeRandomFile(dir, "photo.jpg", 80 * KiB).path }).done;
    const pieces = shared.view.pieces.length;
    expect(pieces).toBe(3);
    // Headers, then nothing: what a node answers for a dataset whose manifest it still has but not its blocks.
    server.inject("download", { kind: "hang", phase: "after-headers" }, { times: 100 });
    server.inject("download-local", { kind: "hang", phase: "after-headers" }, { times: 100 });
    clock.t = start + 28 * DAY;
    const downloads = (server.stats.byRoute.download ?? 0) + (server.stats.byRoute["download-local"] ?? 0);

    // A phone session of a few seconds (each stalled attempt costs attemptTimeoutMs).
    const report = await client.renewDue({ signal: AbortSignal.timeout(4_000) });
    expect(report.failed).toEqual([]);
    expect(report.renewed).toHaveLength(pieces);
    expect((server.stats.byRoute.download ?? 0) + (server.stats.byRoute["download-local"] ?? 0) - downloads).toBe(pieces);
    expect(await client.status(shared.reference)).toEqual({ state: "available", expiresAt: start + 58 * DAY });
  });
});
