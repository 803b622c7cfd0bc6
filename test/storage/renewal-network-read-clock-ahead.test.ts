/**
 * A piece only the network can renew (the node lost it, its source is gone) is read from the
 * network at most once per renewal interval. A read journaled before the piece was last stored does
 * not count; but a store journaled while the device clock ran ahead (a year out, put right since)
 * reads as later than every read made after the clock was put right, so none counted: the piece was
 * read at every run and every start, each read hanging on Codex, until the real time caught up.
 */
import { rmSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import { codexSetup } from "./codex-fixtures.js";

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe("a network read after a clock that ran ahead was put right", () => {
  test("counts though the piece's last store was journaled at the time the clock read ahead: the next run within the interval does not read it again", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 5_000 });
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const options = { dir, backend, clock: { now: () => clock.t }, renewEveryMs: 6 * HOUR, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 } };
    let { client } = await startClient(options);
    const photo = writeRandomFile(dir, "photo.jpg", 10 * KiB);
    const shared = await client.share({ path: photo.path }).done;
    const cid = shared.view.pieces[0]?.cid as string;
    // The device clock runs a year ahead: the run renews the piece, journaled as stored then.
    clock.t = start + 365 * DAY;
    expect(await client.renewDue()).toEqual({ renewed: [cid], failed: [] });
    await client.stop();
    // The clock is put right; the node lost the piece and the user deleted the photo.
    await backend.delete(cid);
    rmSync(photo.path);
    clock.t = start + DAY;
    ({ client } = await startClient(options));
    const reads = (): number => server.stats.requests - (server.stats.byRoute.exists ?? 0);
    const run = async (): Promise<number> => {
      const before = reads();
      expect(await client.renewDue()).toEqual({ renewed: [], failed: [{ cid, code: "E_SOURCE_MISSING" }] });
      return reads() - before;
    };
    expect(await run()).toBeGreaterThan(0);
    clock.t += HOUR;
    expect(await run()).toBe(0);
    await client.stop();
    ({ client } = await startClient(options));
    clock.t += HOUR;
    expect(await run()).toBe(0);
    // An interval later it is read again.
    clock.t += 6 * HOUR;
    expect(await run()).toBeGreaterThan(0);
    await client.stop();
  });
});
