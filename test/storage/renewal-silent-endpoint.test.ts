import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import { codexSetup } from "./codex-fixtures.js";

const DAY = 24 * 60 * 60 * 1000;

describe("renewal with an endpoint that does not answer /exists", () => {
  test("an endpoint whose /exists timed out is asked once per renewal run, not once per due piece (hundreds of pieces would each cost its timeout)", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 300 });
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t } });
    const shared = await client.share({ path: writeRandomFile(dir, "video.mp4", 320 * KiB).path }).done;
    expect(shared.view.pieces.length).toBe(10);
    // The node's /exists hangs (its store is busy, a proxy in front of it drops that route); downloads and uploads work.
    server.inject("exists", { kind: "hang", phase: "before-headers" }, { times: 100 });
    clock.t = start + 28 * DAY;
    const asked = server.stats.byRoute.exists ?? 0;
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed).toHaveLength(10);
    expect((server.stats.byRoute.exists ?? 0) - asked).toBe(1);
  });
});
