import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { gate } from "../support/gate.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;

describe("release() while a renewal run is under way", () => {
  test("a file released while the run renews another is not renewed by that run (a chat deleted during a long run cost a read and a store of every piece of its files)", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t } });
    const first = await client.share({ path: writeRandomFile(dir, "first.jpg", 10 * KiB).path }).done;
    clock.t += HOUR;
    const second = await client.share({ path: writeRandomFile(dir, "second.mp4", 100 * KiB).path }).done;
    const secondCids = new Set(second.view.pieces.map((p) => p.cid));
    clock.t = start + 28 * DAY;

    // The run reads the first file's piece back; the user deletes the chat holding the second meanwhile.
    const reading = gate();
    const held = gate();
    backend.beforeGet = async () => {
      backend.beforeGet = undefined;
      reading.open();
      await held.wait;
    };
    const run = client.renewDue();
    await reading.wait;
    client.release(second.reference);
    const gets = backend.gets;
    const puts = backend.puts;
    held.open();
    const report = await run;

    expect(report.renewed).toEqual(first.view.pieces.map((p) => p.cid));
    expect(report.renewed.filter((cid) => secondCids.has(cid))).toEqual([]);
    // Only the first file's one piece was stored again, and nothing of the second was read.
    expect(backend.puts - puts).toBe(1);
    expect(backend.gets - gets).toBe(0);
  });
});
