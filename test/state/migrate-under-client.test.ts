/**
 * `migrate up` / `migrate down` (and the upgrade command's apply) on a state database a running
 * storage client uses: the client prepared its journal's statements for the file's level, so a
 * migration under it breaks its jobs (a down from level 3 drops the column its next journaled piece
 * writes, after the piece was stored). The release engineer's run is refused, nothing written,
 * until the client stops.
 */
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { inspectState, migrateState, openState } from "../../src/state/index.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, startClient, writeRandomFile } from "../storage/support/client-fixture.js";

describe("migrating a state database a storage client is using", () => {
  test("migrate down under a running 0.3.0 client is refused with E_STATE_LOCKED; the client keeps journaling; after it stops, down runs", async () => {
    const s = await startClient({ protocol: 3 });
    await s.client.share({ path: writeRandomFile(s.dir, "a.bin", 40 * KiB).path }).done;
    await expect(migrateState({ path: s.statePath, direction: "down" })).rejects.toMatchObject({
      code: "E_STATE_LOCKED",
      message: expect.stringContaining("storage client"),
    });
    expect((await inspectState(s.statePath)).level).toBe(3);
    await expect(s.client.share({ path: writeRandomFile(s.dir, "b.bin", 40 * KiB).path }).done).resolves.toMatchObject({ protocol: 3 });
    await s.client.stop();
    await expect(migrateState({ path: s.statePath, direction: "down" })).resolves.toMatchObject({ after: { level: 2 } });
  });

  test("migrate up under a running 0.2.0 client is refused the same way, and the file stays at level 2", async () => {
    const s = await startClient({ protocol: 2 });
    await expect(migrateState({ path: s.statePath, direction: "up" })).rejects.toMatchObject({ code: "E_STATE_LOCKED" });
    expect((await inspectState(s.statePath)).level).toBe(2);
    await s.client.stop();
    await expect(migrateState({ path: s.statePath, direction: "up" })).resolves.toMatchObject({ after: { level: 3 } });
  });

  test("a file no client ever used migrates as before: a dry run makes no client lock, the real run leaves the one its commit took, free; a file the run creates gets none", async () => {
    const path = join(tempDir(), "s.sqlite");
    (await openState({ path, level: 2 })).close();
    await expect(migrateState({ path, direction: "up", dryRun: true })).resolves.toMatchObject({ after: { level: 3 } });
    expect(existsSync(`${path}.client-lock`)).toBe(false);
    await expect(migrateState({ path, direction: "up" })).resolves.toMatchObject({ after: { level: 3 } });
    // Taken at the commit (a client may have made it and started during the run: test/state/migrate-client-started-meanwhile.test.ts).
    expect(existsSync(`${path}.client-lock`)).toBe(true);
    const s = await startClient({ statePath: path, protocol: 3 });
    await s.client.stop();
    const created = join(tempDir(), "new.sqlite");
    await expect(migrateState({ path: created, direction: "up" })).resolves.toMatchObject({ after: { level: 3 } });
    expect(readdirSync(dirname(created)).filter((name) => name.endsWith(".client-lock"))).toEqual([]);
  });

  test("a client lock file that is not a lock (garbage in it) is a typed E_STATE_IO naming it, and nothing is migrated", async () => {
    const path = join(tempDir(), "s.sqlite");
    (await openState({ path, level: 2 })).close();
    writeFileSync(`${path}.client-lock`, "not a database, a file someone put here".repeat(200));
    await expect(migrateState({ path, direction: "up" })).rejects.toMatchObject({ code: "E_STATE_IO", message: expect.stringContaining(".client-lock") });
    expect(inspectState(path).level).toBe(2);
  });
});
