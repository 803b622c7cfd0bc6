import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";

const DAY = 24 * 60 * 60 * 1000;
const TTL = 30 * DAY;

/** A file shared at day 0 and kept referenced (renewed at day 28: its pieces now last until day 58), default keepEndedJobsMs (30 days). */
async function longLived() {
  const dir = tempDir();
  const clock = { t: Date.UTC(2026, 0, 1) };
  const start = clock.t;
  const { client } = await startClient({ dir, backend: localStore(join(dir, "store")), clock: { now: () => clock.t } });
  const shared = await client.share({ path: writeRandomFile(dir, "doc.pdf", 100 * KiB).path }).done;
  clock.t = start + 28 * DAY;
  expect((await client.renewDue()).renewed).toHaveLength(shared.view.pieces.length);
  return { client, clock, shared, start };
}

/**
 * A done upload no message refers to is forgotten keepEndedJobsMs after it ended: counted from
 * the job's end, a file shared more than that ago and kept referenced since (renewed) was forgotten
 * at the first renewal check after its release, and retain() refused it (E_NOT_FOUND, not from an
 * upload this client keeps) though its pieces were stored for weeks more. The wait is counted from
 * its pieces' last store too.
 */
describe("a released upload older than keepEndedJobsMs whose pieces were renewed", () => {
  test("is kept by the renewal check after its release, and retain() takes it back while its pieces last", async () => {
    const { client, clock, shared, start } = await longLived();
    clock.t = start + 40 * DAY;
    client.release(shared.reference);
    // Every renewal check forgets what ended long enough ago.
    await client.renewDue();
    clock.t = start + 41 * DAY;
    client.retain(shared.reference);
    expect(await client.status(shared.reference)).toEqual({ state: "available", expiresAt: start + 28 * DAY + TTL });
    clock.t = start + 56 * DAY;
    expect((await client.renewDue()).renewed).toHaveLength(shared.view.pieces.length);
  });

  test("is forgotten keepEndedJobsMs after its pieces' last store (here as they expire): retain() then refuses it E_NOT_FOUND", async () => {
    const { client, clock, shared, start } = await longLived();
    clock.t = start + 40 * DAY;
    client.release(shared.reference);
    clock.t = start + 28 * DAY + TTL + 1;
    await client.renewDue();
    expect(() => client.retain(shared.reference)).toThrow(expect.objectContaining({ code: "E_NOT_FOUND", details: expect.objectContaining({ unknown: expect.any(Array) }) }));
    expect(client.jobs()).toEqual([]);
  });
});

/**
 * d942b11 keeps a released upload while one of its pieces was stored since the cutoff. A store
 * journaled while the device clock ran ahead (renewed_at a year on; the clock's floor is dropped
 * once it is put right, as it leads by more than ttlMs + renewBeforeMs) then kept the upload, its key
 * with it, until the real time caught up: a year with no message referring to it. Renewal distrusts
 * such an expiry (renewDue's bound); the retention does too, and counts from the job's end.
 */
describe("a released upload whose pieces were last stored while the clock ran ahead", () => {
  test("is forgotten keepEndedJobsMs after the job ended, not kept until the clock catches up", async () => {
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const options = { dir, backend: localStore(join(dir, "store")), clock: { now: () => clock.t } };
    let { client } = await startClient(options);
    const shared = await client.share({ path: writeRandomFile(dir, "doc.pdf", 100 * KiB).path }).done;
    // The device clock a year ahead: renewal stores every piece then (renewed_at, expiry a year on).
    clock.t = start + 393 * DAY;
    expect((await client.renewDue()).renewed).toHaveLength(shared.view.pieces.length);
    await client.stop();
    // Put right.
    clock.t = start + 29 * DAY;
    ({ client } = await startClient(options));
    client.release(shared.reference);
    // Past keepEndedJobsMs (30 days) after the job ended; every renewal check forgets what ended long enough ago.
    clock.t = start + 100 * DAY;
    await client.renewDue();
    expect(client.jobs()).toEqual([]);
    expect(() => client.retain(shared.reference)).toThrow(expect.objectContaining({ code: "E_NOT_FOUND" }));
  });
});
