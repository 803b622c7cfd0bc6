import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";

const DAY = 24 * 60 * 60 * 1000;

describe("a renewal run offline when the sources are gone", () => {
  test("once one piece only a network read can renew has used up its attempts offline, the others are reported failed without trying each in turn (each cost the policy's attempts with backoff)", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t }, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 } });
    const file = writeRandomFile(dir, "album.zip", 320 * KiB);
    const shared = await client.share({ path: file.path }).done;
    expect(shared.view.pieces.length).toBe(10);
    // The user deleted the album after sending it: only the network can give its pieces back.
    rmSync(file.path);
    clock.t = start + 28 * DAY;

    backend.beforeGet = () => {
      throw unreachable(backend.location);
    };
    backend.beforePut = () => {
      throw unreachable(backend.location);
    };
    const calls = backend.gets + backend.puts;
    const offline = await client.renewDue();
    expect(offline.renewed).toEqual([]);
    expect(offline.failed).toHaveLength(10);
    // The piece tried reports what the user can act on (its source); the others, untried, the outage.
    expect(offline.failed[0]?.code).toBe("E_SOURCE_MISSING");
    expect(new Set(offline.failed.slice(1).map((f) => f.code))).toEqual(new Set(["E_BACKEND_UNREACHABLE"]));
    // Ten one-attempt reads of the first pass, then one piece's full attempts: not ten pieces' worth.
    expect(backend.gets + backend.puts - calls).toBeLessThanOrEqual(10 + 3);

    // Back online: the next run renews them all from the network.
    backend.beforeGet = undefined;
    backend.beforePut = undefined;
    const online = await client.renewDue();
    expect(online.failed).toEqual([]);
    expect(online.renewed).toHaveLength(10);
  });
});

describe("a renewal run with one hopeless piece among pieces only the network can renew", () => {
  test("a piece whose network read times out (Codex's answer for a block it lost) does not make the run report the next such piece failed untried: that one is read and renewed", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t }, renewEveryMs: 0, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 2 } });
    const lostFile = writeRandomFile(dir, "old.jpg", 10 * KiB);
    const lost = await client.share({ path: lostFile.path }).done;
    clock.t += 60 * 60 * 1000;
    const keptFile = writeRandomFile(dir, "new.jpg", 10 * KiB);
    const kept = await client.share({ path: keptFile.path }).done;
    // Both photos deleted since; the node lost the older one's piece (reads of it time out) and the
    // newer one's first read back is cut by a passing network fault.
    rmSync(lostFile.path);
    rmSync(keptFile.path);
    const lostCid = lost.view.pieces[0]?.cid as string;
    const keptCid = kept.view.pieces[0]?.cid as string;
    let keptReads = 0;
    backend.beforeGet = (cid) => {
      if (cid === lostCid) throw new StorageError("E_TIMEOUT", `reading ${cid} timed out`);
      if (cid === keptCid && keptReads++ === 0) throw unreachable(backend.location);
    };
    clock.t = start + 28 * DAY;

    const report = await client.renewDue();
    expect(report.failed).toEqual([{ cid: lostCid, code: "E_SOURCE_MISSING" }]);
    expect(report.renewed).toEqual([keptCid]);
  });
});
