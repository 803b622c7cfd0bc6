/**
 * stop() during a renewal run ended renewDue() with the stop's own E_CLIENT_CLOSED, whose message
 * ("the job stays in the journal and resumes on the next start") speaks of a job, which a renewal
 * is not, and promises a start that resumes it: a client whose timer is off (renewEveryMs 0, the
 * application drives renewal) runs no renewal at start, so an application taking the message at its
 * word never asked again and the pieces expired.
 */
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import { codexSetup } from "./codex-fixtures.js";

const DAY = 24 * 60 * 60 * 1000;

describe("a renewal run ended by stop()", () => {
  test("rejects E_CLIENT_CLOSED saying the pieces not renewed stay due for the next run, not that a job resumes at the next start", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 60_000 });
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t }, renewEveryMs: 0, retry: { attemptTimeoutMs: 60_000, maxAttempts: 2, deadlineMs: 120_000 } });
    await client.share({ path: writeRandomFile(dir, "photo.jpg", 10 * KiB).path }).done;
    clock.t += 28 * DAY;
    // The node stops answering: the run waits on it until the stop.
    server.inject("*", { kind: "hang", phase: "before-headers" }, { times: 1000 });
    const run = client.renewDue().then(
      () => undefined,
      (error: { code?: string; message?: string }) => error,
    );
    while ((server.stats.byRoute.exists ?? 0) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await client.stop();
    const error = await run;
    expect(error?.code).toBe("E_CLIENT_CLOSED");
    expect(error?.message).not.toMatch(/stays in the journal|resumes on the next start/);
    expect(error?.message).toMatch(/renewal/);
  });
});
