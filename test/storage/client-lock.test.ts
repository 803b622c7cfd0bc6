/**
 * A started storage client holds its data directory and its state database: a second client on
 * either (another process of the app, the CLI, a second instance in one process) would resume the
 * first one's live jobs, or evict its pending spool files by a quota that does not know them. It is
 * refused with E_BUSY instead; the lock dies with its holder, however it dies.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, onTestFinished, test } from "vitest";
import { exitCodeFor } from "../../src/cli/exit-codes.js";
import { openState } from "../../src/state/index.js";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { runCli } from "../support/cli.js";
import { runScript } from "../support/script-child.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "../support/until.js";
import { FAST_RETRY, KiB, SMALL_PIECES, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const HOLDER = fileURLToPath(new URL("./support/lock-holder-child.ts", import.meta.url));

async function refusal(options: StorageClientOptions): Promise<StorageError> {
  const client = new StorageClient(options);
  const error = await client.start().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) {
    await client.stop();
    throw new Error("the second client started");
  }
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}

describe("one started client per data directory and state database", () => {
  test("a second client in the same process on the same data directory and state is refused with E_BUSY naming the path, and runs none of the first one's jobs", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    backend.beforePut = () => held;
    const first = await startClient({ dir, backend });
    const job = first.client.share({ path: writeRandomFile(dir, "a.bin", 20 * KiB).path });
    try {
      // The first client's upload is in its first put (held there).
      await until(() => backend.puts > 0, "the first put", { tries: 2000 });
      const putsBefore = backend.puts;
      const error = await refusal({ protocol: 3, backend, statePath: first.statePath, dataDir: first.dataDir, renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES });
      expect(error.code).toBe("E_BUSY");
      expect(error.message).toContain(first.dataDir);
      expect(error.message).toMatch(/another storage client is using the data directory/);
      expect(error.details).toMatchObject({ path: first.dataDir });
      // Busy is a state the user can clear (stop the other client), not a storage failure: exit 4 in the CLI.
      expect(exitCodeFor(error)).toBe(4);
      await new Promise((r) => setTimeout(r, 100));
      // No second run of the live job.
      expect(backend.puts).toBe(putsBefore);
    } finally {
      release();
    }
    await expect(job.done).resolves.toMatchObject({ jobId: job.id });
    expect(first.client.jobs()).toEqual([expect.objectContaining({ id: job.id, state: "done", attempts: 1 })]);
  });

  test("a second client on the same state database with its own data directory is refused, naming the database", async () => {
    const dir = tempDir();
    const first = await startClient({ dir });
    const error = await refusal({ protocol: 3, backend: first.backend, statePath: first.statePath, dataDir: join(dir, "other-data"), renewEveryMs: 0 });
    expect(error.code).toBe("E_BUSY");
    expect(error.message).toContain(`state database ${first.statePath}`);
    // Refused before it looked at the journal or made its folders.
    expect(existsSync(join(dir, "other-data", "cache"))).toBe(false);
  });

  test("a client of the next release on the state of a running one is refused before it migrates that state under it", async () => {
    const dir = tempDir();
    const older = await startClient({ dir, protocol: 2 });
    const error = await refusal({ protocol: 3, backend: older.backend, statePath: older.statePath, dataDir: join(dir, "newer-data"), renewEveryMs: 0 });
    expect(error.code).toBe("E_BUSY");
    await older.client.stop();
    const state = await openState({ path: older.statePath, level: 2, readOnly: true });
    try {
      expect(state.level).toBe(2);
    } finally {
      state.close();
    }
  });

  test("a second client on the same data directory with its own state database is refused (its quota would evict the first one's spool files)", async () => {
    const dir = tempDir();
    const first = await startClient({ dir });
    const error = await refusal({ protocol: 3, backend: first.backend, statePath: join(dir, "other.sqlite"), dataDir: first.dataDir, renewEveryMs: 0 });
    expect(error.code).toBe("E_BUSY");
    expect(error.message).toContain(`data directory ${first.dataDir}`);
  });

  test("the CLI on the home of a running app's client exits 4 (state refused) with E_BUSY naming the path, and leaves the app's jobs alone", async () => {
    const home = tempDir("scc-lock-home-");
    const app = await startClient({ dir: home, statePath: join(home, "state.sqlite"), dataDir: join(home, "data"), backend: localStore(join(home, "app-store")) });
    const file = writeRandomFile(home, "a.bin", 10 * KiB);
    const put = await runCli(["file", "put", file.path, "--home", home]);
    expect(put.code).toBe(4);
    expect(put.stderr).toMatch(/E_BUSY/);
    expect(put.stderr).toContain(join(home, "data"));
    expect(put.stdout).toBe("");
    await expect(app.client.share({ path: file.path }).done).resolves.toMatchObject({ protocol: 3 });
  });

  test("a client stopped lets the next one start at once, and a client that failed to start holds nothing", async () => {
    const dir = tempDir();
    const first = await startClient({ dir });
    await first.client.stop();
    const options: StorageClientOptions = { protocol: 3, backend: first.backend, statePath: first.statePath, dataDir: first.dataDir, renewEveryMs: 0 };
    const failed = new StorageClient({ ...options, piecesInFlight: 0 });
    await expect(failed.start()).rejects.toThrow(/piecesInFlight/);
    const second = await StorageClient.open(options);
    await second.stop();
    const third = await StorageClient.open(options);
    await third.stop();
  });

  test("a client refused with E_BUSY starts on a later start() of its own once the holder stopped (the message's advice); a stopped one's start() says to make a new client", async () => {
    const dir = tempDir();
    const first = await startClient({ dir });
    const waiting = new StorageClient({ protocol: 3, backend: first.backend, statePath: first.statePath, dataDir: first.dataDir, renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES });
    onTestFinished(() => waiting.stop());
    const busy = await waiting.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(busy).toMatchObject({ code: "E_BUSY", message: expect.stringMatching(/Stop that client first/) });
    await first.client.stop();
    // Before, the refused start had left this client stopped for good: "cannot start: it is stopped".
    await waiting.start();
    const file = writeRandomFile(dir, "a.bin", 10 * KiB);
    await expect(waiting.share({ path: file.path }).done).resolves.toMatchObject({ protocol: 3 });
    await expect(waiting.start()).rejects.toMatchObject({ code: "E_UNSUPPORTED", message: expect.stringMatching(/already started/) });
    await waiting.stop();
    // A stopped client starts no more; the message says what to do instead.
    await expect(waiting.start()).rejects.toMatchObject({ code: "E_UNSUPPORTED", message: expect.stringMatching(/make a new one.*StorageClient\.open/) });
    // And the next client starts at once: the refused start, then the stop, held nothing.
    const next = await StorageClient.open({ protocol: 3, backend: first.backend, statePath: first.statePath, dataDir: first.dataDir, renewEveryMs: 0 });
    await next.stop();
  });

  test("a client in another process holds the lock while it lives; SIGKILLed, it blocks nothing: a new client starts at once", async () => {
    const work = tempDir("scc-lock-");
    const child = runScript(HOLDER, [work]);
    await until(() => existsSync(join(work, "ready")), "the child's client to start", { tries: 2000 });
    const backend = localStore(join(work, "store-here"));
    const options: StorageClientOptions = { protocol: 3, backend, statePath: join(work, "state.sqlite"), dataDir: join(work, "data"), renewEveryMs: 0 };
    try {
      const error = await refusal(options);
      expect(error.code).toBe("E_BUSY");
      writeFileSync(join(work, "go"), "");
      const { signal, stderr } = await child;
      expect(stderr).toBe("");
      expect(signal).toBe("SIGKILL");
      const client = await StorageClient.open(options);
      await client.stop();
    } finally {
      writeFileSync(join(work, "go"), "");
      await child;
      await backend.close();
    }
  });
});
