/**
 * A download makes the folder of its destination (`out` in a folder not made yet). A folder that
 * cannot be made must fail the job with E_LOCAL_IO naming the destination, never hang it (and
 * with it the client's stop(), which waits for running jobs).
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/index.js";
import { startClient } from "./support/client-fixture.js";

// /proc answers ENOENT to mkdir under a folder that exists; Node's recursive mkdir loops on that for ever.
const UNDER_PROC = "/proc/status-compat-no-such-folder/out.bin";

/** What `run` rejects with, "resolved", or "still running" when it has not settled within `ms`. */
async function settledWithin<T>(run: Promise<T>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve("still running"), ms)));
  try {
    return await Promise.race([run.then(() => "resolved", (error: unknown) => error), late]);
  } finally {
    clearTimeout(timer);
  }
}

describe("a fetch whose destination folder cannot be made", () => {
  test("one under /proc fails with E_LOCAL_IO naming the destination, and the client still stops", async () => {
    const { client, dir } = await startClient();
    writeFileSync(join(dir, "source.bin"), randomBytes(40 * 1024));
    const { reference } = await client.share({ path: join(dir, "source.bin") }).done;
    const error = await settledWithin(client.fetch(reference, { out: UNDER_PROC }).done, 10_000);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_LOCAL_IO");
    expect((error as StorageError).message).toContain(UNDER_PROC);
    expect(await settledWithin(client.stop(), 10_000)).toBe("resolved");
  });

  test("one through a regular file fails E_LOCAL_IO (ENOTDIR) naming that file, not advice about space and permissions", async () => {
    const { client, dir } = await startClient();
    writeFileSync(join(dir, "source.bin"), randomBytes(40 * 1024));
    const { reference } = await client.share({ path: join(dir, "source.bin") }).done;
    writeFileSync(join(dir, "notes.txt"), "x");
    const out = join(dir, "notes.txt", "photos", "out.bin");
    const error = await settledWithin(client.fetch(reference, { out }).done, 10_000);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_LOCAL_IO");
    expect((error as StorageError).details).toMatchObject({ code: "ENOTDIR" });
    expect((error as StorageError).message).toContain(out);
    expect((error as StorageError).message).toContain(`${join(dir, "notes.txt")} is a file`);
    expect((error as StorageError).message).not.toContain("free space");
  });

  test("a new folder is made (parents too) and holds the verified file", async () => {
    const { client, dir } = await startClient();
    const bytes = randomBytes(40 * 1024);
    writeFileSync(join(dir, "source.bin"), bytes);
    const { reference } = await client.share({ path: join(dir, "source.bin") }).done;
    const out = join(dir, "new", "deeper", "out.bin");
    const got = await client.fetch(reference, { out }).done;
    expect(got.path).toBe(out);
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(existsSync(join(dir, "new", "deeper"))).toBe(true);
  });
});
