/**
 * `migrate up` / `migrate down` on a state database no storage client had used yet (no
 * `<db>.client-lock` beside it: made by `state fixture`, by `openState`, by a build before the
 * client lock) while the app starts its first client on it. The run checked the client lock once,
 * at its start, and found none to hold; a client that started while the run waited for the
 * migration lock (or worked under the write lock) opened the file at its old level, and the run
 * then committed under it: a down from level 3 dropped the column the client's next journaled piece
 * writes, after the piece was stored. The migration is a real `migrate` process; the app's client
 * runs in this one.
 */
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { acquireMigrationLock, inspectState, openState } from "../../src/state/index.js";
import { startCli, type StartedCli } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, startClient, writeRandomFile } from "../storage/support/client-fixture.js";

/**
 * A level-3 file at `dir`/state.sqlite (a client at `protocol` having used it first, when given), and a
 * real `migrate down` process that has passed its look at the client lock and waits for the migration
 * lock this process holds (the barrier: its log line saying so). `release` lets it go on.
 */
async function downWaitingForLock(dir: string, usedBy?: 3): Promise<{ statePath: string; down: StartedCli; release: () => void }> {
  const statePath = join(dir, "state.sqlite");
  (await openState({ path: statePath, level: 3 })).close();
  if (usedBy !== undefined) await (await startClient({ dir, statePath, protocol: usedBy })).client.stop();
  const other = await acquireMigrationLock(statePath);
  onTestFinished(() => other.release());
  const down = startCli(["migrate", "down", "--db", statePath, "--lock-timeout", "60000"], { STATUS_COMPAT_LOG_LEVEL: "info" });
  await Promise.race([down.stderrHas("waiting for another process to finish migrating"), down.closed]);
  expect(down.output.stderr).toContain("waiting for another process to finish migrating");
  return { statePath, down, release: () => other.release() };
}

describe("a storage client that starts while a migration waits for its lock", () => {
  test("migrate down, waiting for another run's migration lock while a 0.3.0 client starts on the file, is refused at its commit (exit 4, E_STATE_LOCKED naming the client lock); the file keeps level 3 and the client keeps journaling", async () => {
    const dir = tempDir("scc-migrate-meanwhile-");
    const { statePath, down, release } = await downWaitingForLock(dir);
    // The app starts meanwhile: nothing holds the file against it, so it opens it at level 3.
    const app = await startClient({ dir, statePath, protocol: 3 });
    await expect(app.client.share({ path: writeRandomFile(dir, "a.bin", 40 * KiB).path }).done).resolves.toMatchObject({ protocol: 3 });
    release();
    const ended = await down.closed;
    expect(ended.code, down.output.stderr).toBe(4);
    expect(down.output.stderr).toContain("E_STATE_LOCKED");
    expect(down.output.stderr).toContain(`${statePath}.client-lock`);
    expect(inspectState(statePath).level).toBe(3);
    // Its journal still has the columns its statements were prepared for.
    await expect(app.client.share({ path: writeRandomFile(dir, "b.bin", 40 * KiB).path }).done).resolves.toMatchObject({ protocol: 3 });
  });

  test("once the client stopped, the same down runs, and a client starting after that run took the lock is refused with E_BUSY", async () => {
    const dir = tempDir("scc-migrate-meanwhile-");
    const { statePath, down, release } = await downWaitingForLock(dir, 3);
    // The lock file existed at the run's start: it holds the client lock while it waits.
    await expect(startClient({ dir, statePath, protocol: 2, dataDir: join(dir, "data-2") })).rejects.toMatchObject({ code: "E_BUSY" });
    release();
    const ended = await down.closed;
    expect(ended.code, down.output.stderr).toBe(0);
    expect(inspectState(statePath).level).toBe(2);
  });
});
