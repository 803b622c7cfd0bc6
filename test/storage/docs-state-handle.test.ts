/**
 * The `state` option (client-options.ts): "an open state database (the caller closes it)", which
 * the client journals in. One it cannot journal in is refused by start() with the storage layer's
 * typed error saying what to do (README, Errors: every error thrown on purpose is a CompatError
 * with a stable code), not a raw SqliteError ("no such table: download_jobs", "table upload_pieces
 * has no column named offset", or a TypeError for a handle already closed) from the middle of the
 * start, and not accepted to fail every share and fetch afterwards (a handle opened read-only).
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { openState, type StateHandle } from "../../src/state/index.js";
import { profileFor } from "../../src/versions/index.js";
import { StorageClient, StorageError } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { localStore } from "./support/client-fixture.js";

async function startOn(state: StateHandle, protocol: number, dir: string): Promise<unknown> {
  const client = new StorageClient({ protocol, backend: localStore(join(dir, "store")), state, dataDir: join(dir, "data"), renewEveryMs: 0 });
  try {
    await client.start();
  } catch (error) {
    return error;
  } finally {
    await client.stop();
  }
  return undefined;
}

describe("a state handle the client cannot journal in is refused at start", () => {
  test.each([
    [1, 2],
    [1, 3],
    [2, 3],
  ])("a handle opened at level %i, for a protocol %i client: E_UNSUPPORTED naming both levels", async (level, protocol) => {
    const dir = tempDir("scc-state-handle-");
    const state = await openState({ path: join(dir, "state.sqlite"), level });
    try {
      const error = await startOn(state, protocol, dir);
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ code: "E_UNSUPPORTED", details: { level, requiredLevel: profileFor(protocol).stateLevel } });
      expect((error as Error).message).toContain(`level ${level}`);
      expect((error as Error).message).toContain("openState");
    } finally {
      state.close();
    }
  });

  test("a handle opened read-only: E_UNSUPPORTED at start, not E_LOCAL_IO from every share afterwards", async () => {
    const dir = tempDir("scc-state-handle-");
    const path = join(dir, "state.sqlite");
    (await openState({ path, level: 3 })).close();
    const state = await openState({ path, level: 3, readOnly: true });
    try {
      const error = await startOn(state, 3, dir);
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ code: "E_UNSUPPORTED" });
      expect((error as Error).message).toContain("read-only");
    } finally {
      state.close();
    }
  });

  test("a handle the application already closed: E_UNSUPPORTED at start, not a raw TypeError", async () => {
    const dir = tempDir("scc-state-handle-");
    const state = await openState({ path: join(dir, "state.sqlite"), level: 3 });
    state.close();
    const error = await startOn(state, 3, dir);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_UNSUPPORTED" });
    expect((error as Error).message).toContain("closed");
  });

  test("a handle at a newer level inside the window (the next release upgraded the file) is used", async () => {
    const dir = tempDir("scc-state-handle-");
    const state = await openState({ path: join(dir, "state.sqlite"), level: 3 });
    try {
      expect(await startOn(state, 2, dir)).toBeUndefined();
    } finally {
      state.close();
    }
  });
});
