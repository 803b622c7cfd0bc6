/**
 * Every cache hit waits for its turn to be checked under a signal tied to the client's stop
 * signal, which lives as long as the client (a messenger's whole session). On Node 20
 * AbortSignal.any leaves an entry (a WeakRef to the combined signal) on each parent that is only
 * dropped when that parent fires: a hit made that way left one on the stop signal for good, so a
 * gallery scrolled through thousands of cached photos grew the client's memory per hit (measured
 * here: 300,000 such entries held 20 MB). What stays attached to the stop signal is read from it
 * directly: its listeners (node:events) and that list of dependants (Node's own symbol).
 */
import { getEventListeners } from "node:events";
import { describe, expect, test } from "vitest";
import type { StorageClient } from "../../src/storage/index.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

function stopSignal(client: StorageClient): AbortSignal {
  const inner = client as unknown as { session?: { stopController: AbortController }; stopController?: AbortController };
  return (inner.session?.stopController ?? inner.stopController)!.signal;
}

/** What Node keeps on a signal for the signals AbortSignal.any combined it into (0 when none). */
function dependants(signal: AbortSignal): number {
  const key = Object.getOwnPropertySymbols(signal).find((s) => s.description === "kDependantSignals");
  return key === undefined ? 0 : ((signal as unknown as Record<symbol, Set<unknown> | undefined>)[key]?.size ?? 0);
}

describe("cache hits and the client's stop signal", () => {
  test("cache hits leave nothing attached to the client's stop signal once they are served", async () => {
    const { client, dir } = await startClient();
    const { reference } = await client.share({ path: writeRandomFile(dir, "photo.jpg", 8 * KiB).path }).done;
    await client.fetch(reference).done;
    const stop = stopSignal(client);
    const listenersBefore = getEventListeners(stop, "abort").length;
    const dependantsBefore = dependants(stop);
    for (let round = 0; round < 5; round++) {
      const served = await Promise.all(Array.from({ length: 20 }, () => client.fetch(reference).done));
      expect(served.every((r) => r.fromCache)).toBe(true);
    }
    // A hit's clean-up runs just after its job settles.
    await new Promise((r) => setImmediate(r));
    expect(getEventListeners(stop, "abort").length, "listeners").toBe(listenersBefore);
    expect(dependants(stop), "dependants").toBe(dependantsBefore);
  });
});
