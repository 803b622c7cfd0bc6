import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { createMetrics, silentLogger } from "../../../src/obs/index.js";
import { openState, type StateHandle } from "../../../src/state/index.js";
import { CacheStore } from "../../../src/storage/cache-store.js";
import { CacheJournal } from "../../../src/storage/journal/cache-journal.js";
import { storageMetrics } from "../../../src/storage/storage-metrics.js";
import { CURRENT_PROTOCOL, profileFor } from "../../../src/versions/index.js";
import { tempDir } from "../../support/temp-dir.js";

/** A CacheStore over a real state file, with its cache folder and a clock the test moves. */
export interface CacheStoreFixture {
  readonly store: CacheStore;
  readonly dir: string;
  readonly clock: { t: number };
  readonly state: StateHandle;
  /** Writes a cached file of `size` bytes named `cid` and records it, used at the next tick. */
  cached(cid: string, size: number, pinned?: boolean): string;
}

export async function cacheStoreFixture(quotaBytes: number): Promise<CacheStoreFixture> {
  const home = tempDir("scc-cache-");
  const state = await openState({ path: join(home, "state.db"), level: profileFor(CURRENT_PROTOCOL).stateLevel });
  onTestFinished(() => {
    if (state.db.open) state.db.close();
  });
  const clock = { t: Date.UTC(2026, 5, 1) };
  const hooks = { clock: { now: () => clock.t }, metrics: storageMetrics(createMetrics()), log: silentLogger() };
  const store = new CacheStore(new CacheJournal(state.db), quotaBytes, hooks);
  return {
    store,
    dir: home,
    clock,
    state,
    cached(cid, size, pinned = false) {
      const path = join(home, cid);
      writeFileSync(path, Buffer.alloc(size, 1));
      clock.t += 1;
      store.add(cid, path, size, pinned);
      return path;
    },
  };
}
