/**
 * docs/storage.md and the JSDoc of `jobs()`: "every journaled job", oldest first. Jobs made within
 * one millisecond (a file forwarded to several chats, an album shared at once) are listed in the
 * order they were made, as the journal resumes them, not in the order of their random ids: a
 * transfer list built from jobs() showed them shuffled. The clock is frozen, so every job has the
 * same created_at; with eight jobs, the ids' order matches the order made once in 40,320 runs.
 */
import { describe, expect, test } from "vitest";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

const JOBS = 8;

describe("jobs() lists the journal oldest first", () => {
  test("shares and fetches made within one millisecond are listed in the order they were made", async () => {
    const frozen = Date.now();
    const { client, dir } = await startClient({ clock: { now: () => frozen } });
    const { path } = writeRandomFile(dir, "photo.jpg", 8 * KiB);
    const shares = Array.from({ length: JOBS }, () => client.share({ path }));
    const results = await Promise.all(shares.map((job) => job.done));
    const fetches = results.map((result, i) => client.fetch(result.reference, { out: `${dir}/copy${i}.jpg` }));
    await Promise.all(fetches.map((job) => job.done));

    const listed = client.jobs();
    expect(new Set(listed.map((j) => j.createdAt))).toEqual(new Set([frozen]));
    expect(listed.filter((j) => j.kind === "upload").map((j) => j.id)).toEqual(shares.map((job) => job.id));
    expect(listed.filter((j) => j.kind === "download").map((j) => j.id)).toEqual(fetches.map((job) => job.id));
  });
});
