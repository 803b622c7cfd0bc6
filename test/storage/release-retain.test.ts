import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const DAY = 24 * 60 * 60 * 1000;

async function uploaded(keepEndedJobsMs?: number) {
  const dir = tempDir();
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const clock = { t: Date.UTC(2026, 0, 1) };
  const setup = await startClient({ dir, backend, clock: { now: () => clock.t }, ...(keepEndedJobsMs === undefined ? {} : { keepEndedJobsMs }) });
  const file = writeRandomFile(dir, "doc.pdf", 100 * KiB);
  const shared = await setup.client.share({ path: file.path }).done;
  return { ...setup, backend, clock, shared, start: clock.t };
}

/**
 * A message that referred to a file comes back (an undo of a delete, a message sent again, a
 * re-join): retain() marks the released reference referenced again, so renewal keeps it.
 */
describe("retain(): a released reference taken back", () => {
  test("its pieces are renewed again, under the same CIDs, without a new upload", async () => {
    const { client, backend, clock, shared, start } = await uploaded();
    client.release(shared.reference);
    clock.t = start + 10 * DAY;
    client.retain(shared.reference);
    clock.t = start + 28 * DAY;
    const puts = backend.puts;
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed.sort()).toEqual(shared.view.pieces.map((p) => p.cid).sort());
    expect(backend.puts - puts).toBe(shared.view.pieces.length);
    expect(await client.status(shared.reference)).toEqual({ state: "available", expiresAt: start + 58 * DAY });
  });

  test("a reference still referenced is left as it is (retain twice, or without a release, changes nothing)", async () => {
    const { client, clock, shared, start } = await uploaded();
    client.retain(shared.reference);
    client.retain(shared.reference);
    clock.t = start + 28 * DAY;
    expect((await client.renewDue()).renewed).toHaveLength(shared.view.pieces.length);
  });

  test("one whose pieces already expired is refused E_NOT_FOUND saying to share the file again, and stays released", async () => {
    const { client, backend, clock, shared, start } = await uploaded();
    client.release(shared.reference);
    clock.t = start + 30 * DAY;
    let thrown: unknown;
    try {
      client.retain(shared.reference);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: "E_NOT_FOUND", message: expect.stringMatching(/expired .*share the file again/) });
    expect((thrown as { details: { expired: string[] } }).details.expired.sort()).toEqual(shared.view.pieces.map((p) => p.cid).sort());
    const puts = backend.puts;
    expect((await client.renewDue()).renewed).toEqual([]);
    expect(backend.puts).toBe(puts);
  });

  test("one this client did not upload, or whose upload it has forgotten, is refused E_NOT_FOUND saying to share it again", async () => {
    const { client, clock, shared } = await uploaded(0);
    client.release(shared.reference);
    clock.t += 1;
    // Forgotten: a done upload no message refers to, ended more than keepEndedJobsMs (0) ago; a renewal check forgets it.
    await client.renewDue();
    expect(() => client.retain(shared.reference)).toThrow(expect.objectContaining({ code: "E_NOT_FOUND", message: expect.stringMatching(/share the file again/) }));
    const other = await uploaded();
    expect(() => other.client.retain(shared.reference)).toThrow(expect.objectContaining({ code: "E_NOT_FOUND" }));
  });
});
