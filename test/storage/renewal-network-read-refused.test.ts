/**
 * A piece only the network can renew (past its expiry, its source gone) is given up for good once
 * a read made after its expiry found it nowhere: the endpoints answered without it, or hung until
 * the attempts ran out (docs/storage.md). An endpoint that refused the read for a reason of its own,
 * not the piece's (507 Insufficient Storage from a node or a proxy whose disk is full, 501 from a
 * proxy that does not serve that route), said nothing about the piece: it is read again an interval
 * later, once that is put right, and renewed when the network still has it.
 */
import { rmSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import { codexSetup } from "./codex-fixtures.js";

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe("a network read refused for the endpoint's own reason", () => {
  for (const [status, body] of [
    [507, "Insufficient Storage"],
    [501, "Not Implemented"],
  ] as const) {
    test(`(${status}) does not give the piece up: it is read again an interval later and renewed`, async () => {
      const { server, backend } = await codexSetup({ requestTimeoutMs: 5_000 });
      const dir = tempDir();
      const clock = { t: Date.UTC(2026, 0, 1) };
      const start = clock.t;
      const { client } = await startClient({ dir, backend, clock: { now: () => clock.t }, renewEveryMs: 6 * HOUR, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 } });
      const photo = writeRandomFile(dir, "photo.jpg", 10 * KiB);
      const shared = await client.share({ path: photo.path }).done;
      const cid = shared.view.pieces[0]?.cid as string;
      rmSync(photo.path);
      // Past its expiry (the app not opened for a month); the node still holds it (a longer TTL).
      clock.t = start + 31 * DAY;
      server.inject("download", { kind: "status", status, body }, { times: 1_000 });
      const downloads = (): number => server.stats.byRoute.download ?? 0;
      const refused = await client.renewDue();
      expect(refused).toEqual({ renewed: [], failed: [{ cid, code: "E_SOURCE_MISSING" }] });
      expect(downloads()).toBeGreaterThan(0);
      // Put right on the node's side; an interval later the piece is read and stored again.
      server.clearFaults();
      clock.t += 6 * HOUR + MINUTE;
      expect(await client.renewDue()).toEqual({ renewed: [cid], failed: [] });
      await client.stop();
    });
  }
});
