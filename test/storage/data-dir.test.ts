/** Where the client and the local store keep their files: folders that cannot be made. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { localStore, startClient } from "./support/client-fixture.js";

// /proc answers ENOENT to mkdir under a folder that exists; Node's recursive mkdir loops on that for ever.
const UNDER_PROC = "/proc/status-compat-no-such-folder/data";

/** What `run` rejects with, or "still running" when it has not settled within `ms`. */
async function settledWithin<T>(run: Promise<T>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve("still running"), ms)));
  try {
    return await Promise.race([run.then(() => "resolved", (error: unknown) => error), late]);
  } finally {
    clearTimeout(timer);
  }
}

describe("a data directory that cannot be made", () => {
  test("one under /proc refuses the start with E_LOCAL_IO naming it, and the same paths then start", async () => {
    const dir = tempDir("scc-datadir-");
    const statePath = join(dir, "state.sqlite");
    const error = await settledWithin(startClient({ dir, statePath, dataDir: UNDER_PROC }), 10_000);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_LOCAL_IO");
    expect((error as StorageError).message).toContain(UNDER_PROC);
    // Nothing held: the state's lock was given back.
    const { client } = await startClient({ dir, statePath });
    expect(client.usage().usedBytes).toBe(0);
  });

  test("one through a regular file refuses the start with E_LOCAL_IO (ENOTDIR), not a raw OS error", async () => {
    const dir = tempDir("scc-datadir-");
    writeFileSync(join(dir, "a-file"), "x");
    const dataDir = join(dir, "a-file", "data");
    const error = await settledWithin(startClient({ dir, dataDir }), 10_000);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_LOCAL_IO");
    expect((error as StorageError).details).toMatchObject({ code: "ENOTDIR" });
    expect((error as StorageError).message).toContain(dataDir);
  });

  test("a local store under /proc refuses its first put with E_LOCAL_IO", async () => {
    const store = localStore(UNDER_PROC);
    const error = await settledWithin(store.put(Buffer.from("hello")), 10_000);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_LOCAL_IO");
  });
});
