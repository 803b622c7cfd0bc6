/**
 * docs/storage.md (Ended jobs are forgotten): once they ended more than `keepEndedJobsMs` ago,
 * ended jobs are forgotten "at start and after each renewal check". With the renewal timer off
 * (`renewEveryMs: 0`, "call renewDue()": an application scheduling renewal itself, as a phone's
 * background task does) the checks it runs never forgot anything: a session kept every failed
 * share's spooled file pinned and the journal grew until the next start.
 */
import { describe, expect, test } from "vitest";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

const DAY = 24 * 3600 * 1000;

describe("renewDue() called by the application", () => {
  test("forgets the jobs that ended more than keepEndedJobsMs ago, as the timer's check does", async () => {
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client, dir } = await startClient({ clock: { now: () => clock.t }, renewEveryMs: 0, keepEndedJobsMs: DAY });
    const cancelled = client.share({ path: writeRandomFile(dir, "a.bin", 10 * KiB).path });
    cancelled.cancel();
    await expect(cancelled.done).rejects.toMatchObject({ code: "E_ABORTED" });
    const done = await client.share({ path: writeRandomFile(dir, "b.bin", 10 * KiB).path }).done;

    await client.renewDue();
    expect(client.jobs().map((j) => j.id)).toEqual([cancelled.id, done.jobId]);

    clock.t += 2 * DAY;
    await client.renewDue();
    // The done upload is still referenced (its pieces are renewed from its row): kept whatever its age.
    expect(client.jobs().map((j) => j.id)).toEqual([done.jobId]);
    expect(() => client.job(cancelled.id)).toThrow(expect.objectContaining({ code: "E_JOB_UNKNOWN" }));
  });
});
