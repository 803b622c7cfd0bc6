/**
 * A file is as available as its least known piece. One piece renewed while the device clock ran a
 * year ahead (its journaled expiry a year out, which no piece stored by now can have: its real
 * expiry is unknown) and the others journaled right: status() took the earliest journaled expiry
 * and called the file available, though one of its pieces may go first.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const DAY = 24 * 60 * 60 * 1000;

describe("status() of a file whose pieces' expiries are not all believed", () => {
  test("one piece's expiry past any a stored piece can have makes the file unknown, not available on the others' expiry", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const start = Date.UTC(2026, 0, 1);
    const clock = { t: start };
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t }, piecesInFlight: 1 });
    const shared = await client.share({ path: writeRandomFile(dir, "doc.pdf", 100 * KiB).path }).done;
    expect(shared.view.pieces.length).toBeGreaterThan(1);
    // A year ahead (booted without network time): the renewal stores the first piece, then the node refuses the others.
    clock.t = start + 400 * DAY;
    let allowed = 1;
    backend.beforePut = () => {
      if (allowed-- <= 0) throw new StorageError("E_BACKEND_REJECTED", "refused");
    };
    const report = await client.renewDue();
    expect(report.renewed).toHaveLength(1);
    backend.beforePut = undefined;
    // Put right, 25 days after the upload: the others have 5 days left; the renewed one's real expiry is not known.
    clock.t = start + 25 * DAY;
    expect((await client.status(shared.reference)).state).toBe("unknown");
    expect((await client.status(shared.reference, { probe: true })).state).toBe("available");
  });
});
