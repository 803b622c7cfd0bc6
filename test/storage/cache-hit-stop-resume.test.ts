/**
 * A fetch served from the cache is not journaled while its file is checked: a stop() meanwhile
 * ends it, and nothing of it is there on the next start. It was rejected with the stop's own
 * E_CLIENT_CLOSED, whose message says "the job stays in the journal and resumes on the next
 * start": an application taking the message at its word waited for a job that the next session
 * does not know (job(id) throws E_JOB_UNKNOWN) instead of fetching the file again.
 */
import { describe, expect, test } from "vitest";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

describe("a cache hit ended by stop()", () => {
  test("its E_CLIENT_CLOSED does not promise a resume the next session cannot give", async () => {
    // One check at a time: the hits after the first wait for their turn when the client stops.
    const first = await startClient({ jobsInFlight: 1 });
    const { reference } = await first.client.share({ path: writeRandomFile(first.dir, "photo.jpg", 512 * KiB).path }).done;
    await first.client.fetch(reference).done;
    const hits = Array.from({ length: 4 }, () => first.client.fetch(reference));
    const outcomes = hits.map((job) => job.done.then(() => undefined, (error: { code?: string; message?: string }) => error));
    await first.client.stop();
    const settled = await Promise.all(outcomes);
    const stopped = hits.flatMap((job, i) => (settled[i] === undefined ? [] : [{ id: job.id, error: settled[i] }]));
    expect(stopped.length, "hits ended by the stop").toBeGreaterThan(0);
    const next = await startClient({ dir: first.dir, backend: first.backend, jobsInFlight: 1 });
    for (const { id, error } of stopped) {
      expect(error.code).toBe("E_CLIENT_CLOSED");
      expect(() => next.client.job(id)).toThrow(expect.objectContaining({ code: "E_JOB_UNKNOWN" }));
      // What the application is told must match that: not journaled, fetch it again.
      expect(error.message, id).not.toMatch(/stays in the journal|resumes on the next start/);
      expect(error.message, id).toMatch(/fetch it again/);
    }
  });
});
