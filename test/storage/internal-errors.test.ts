/**
 * An error that is neither the storage layer's nor the operating system's nor SQLite's is a bug:
 * it surfaces as E_INTERNAL (CLI exit 70), not as E_LOCAL_IO with advice about disk space.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { EXIT, exitCodeFor } from "../../src/cli/exit-codes.js";
import { StorageError } from "../../src/storage/index.js";
import { asStorageError } from "../../src/storage/job-errors.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** A real TypeError, as a bug throws it. */
function bug(): never {
  const missing = undefined as unknown as { piece: { size: number } };
  return missing.piece.size as never;
}

async function setup(): Promise<{ backend: InstrumentedBackend; client: Awaited<ReturnType<typeof startClient>>["client"]; dir: string }> {
  const dir = tempDir("scc-internal-");
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const { client } = await startClient({ dir, backend });
  return { backend, client, dir };
}

function expectInternal(error: unknown): void {
  expect(error).toBeInstanceOf(StorageError);
  expect(error).toMatchObject({ code: "E_INTERNAL" });
  expect((error as StorageError).cause).toBeInstanceOf(TypeError);
  expect((error as StorageError).message).toMatch(/TypeError: Cannot read properties of undefined/);
  expect((error as StorageError).message).not.toMatch(/space|permission/i);
  expect(exitCodeFor(error)).toBe(EXIT.INTERNAL);
}

describe("a bug inside a job", () => {
  test("an upload whose backend throws a TypeError fails once with E_INTERNAL (exit 70), and the journal keeps that code", async () => {
    const { backend, client, dir } = await setup();
    backend.beforePut = () => bug();
    const { path } = writeRandomFile(dir, "f.bin", 96 * KiB);
    const job = client.share({ path });
    const error = await job.done.catch((e: unknown) => e);
    expectInternal(error);
    // A bug is not retried: one attempt per piece in flight at most, not the policy's twenty.
    expect(backend.puts).toBeLessThanOrEqual(4);
    expect(client.jobs().find((j) => j.id === job.id)).toMatchObject({ state: "failed", lastError: expect.stringMatching(/^E_INTERNAL: /) });
    await expect(client.job(job.id).done).rejects.toMatchObject({ code: "E_INTERNAL" });
  });

  test("a download whose backend throws a TypeError fails with E_INTERNAL (exit 70) and leaves no output", async () => {
    const { backend, client, dir } = await setup();
    const { path } = writeRandomFile(dir, "f.bin", 96 * KiB);
    const { reference } = await client.share({ path }).done;
    backend.beforeGet = () => bug();
    const out = join(dir, "copy.bin");
    const job = client.fetch(reference, { out });
    expectInternal(await job.done.catch((e: unknown) => e));
    expect(client.jobs().find((j) => j.id === job.id)).toMatchObject({ state: "failed", lastError: expect.stringMatching(/^E_INTERNAL: /) });
  });

  test("operating-system and SQLite errors keep their E_LOCAL_IO mapping (exit 5)", () => {
    const os = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", syscall: "write", path: "/x/y" });
    expect(asStorageError(os)).toMatchObject({ code: "E_LOCAL_IO", details: { code: "ENOSPC", syscall: "write" } });
    expect(exitCodeFor(asStorageError(os))).toBe(EXIT.STORAGE);
    const db = new Database(":memory:");
    let sqlite: unknown;
    try {
      db.prepare("INSERT INTO nowhere VALUES (1)").run();
    } catch (error) {
      sqlite = error;
    } finally {
      db.close();
    }
    expect((sqlite as { code?: string }).code).toMatch(/^SQLITE_/);
    expect(asStorageError(sqlite)).toMatchObject({ code: "E_LOCAL_IO", details: { sqliteCode: (sqlite as { code: string }).code } });
    expect(exitCodeFor(asStorageError(sqlite))).toBe(EXIT.STORAGE);
  });
});
