/**
 * fetch(ref, { out }) onto one of the client's own files: its state database, what SQLite and the
 * client keep beside it, or its lock, cache and spool in its data directory. The CLI refuses this for its home
 * (file get --out); the library did not: the download was renamed onto the live state database
 * (the running client went on through its open descriptor), and the next start failed
 * E_STATE_NOT_A_DATABASE, every journaled job and upload key lost. An app saving received files into
 * its data folder under the name the reference carries (a sender's choice: "state.sqlite") did so.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageClient } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { thrown } from "../support/thrown.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

describe("fetch with out among the client's own files", () => {
  test("the state database, its -wal and lock, and the data directory's files are refused at once, nothing journaled; the next start opens the state", async () => {
    const setup = await startClient();
    const { client, statePath, dataDir, dir } = setup;
    const file = writeRandomFile(dir, "photo.jpg", 40 * KiB);
    const { reference } = await client.share({ path: file.path }).done;
    const own = [statePath, `${statePath}-wal`, `${statePath}.client-lock`, join(dataDir, "client.lock"), join(dataDir, "cache", "photo.jpg"), join(dataDir, "spool", "photo.jpg")];
    for (const out of own) {
      const error = thrown(() => client.fetch(reference, { out }));
      expect(error, out).toBeInstanceOf(StorageError);
      expect(error, out).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "out", path: out } });
      expect((error as Error).message, out).toMatch(/^options\.out .* is the storage client's own (state database|lock|cache|spool)/);
      expect((error as Error).message, out).toMatch(/fetch to a file of the application's/);
    }
    // Through a link to the state's folder too (compared by real folders).
    const link = join(dir, "linked");
    symlinkSync(dirname(statePath), link);
    expect(thrown(() => client.fetch(reference, { out: join(link, basename(statePath)) }))).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "out" } });
    expect(client.jobs().map((j) => j.kind)).toEqual(["upload"]);
    // A file of the application's beside them is fetched as any, in a folder of its own inside the
    // data directory too (an app whose dataDir is its whole data folder keeps its downloads there).
    mkdirSync(join(dir, "received"));
    const got = await client.fetch(reference, { out: join(dir, "received", "state.sqlite") }).done;
    expect(readFileSync(got.path).equals(file.bytes)).toBe(true);
    mkdirSync(join(dataDir, "downloads"));
    const inside = await client.fetch(reference, { out: join(dataDir, "downloads", "photo.jpg") }).done;
    expect(readFileSync(inside.path).equals(file.bytes)).toBe(true);
    await client.stop();
    const again = await StorageClient.open({ protocol: 3, backend: setup.backend, statePath, dataDir, renewEveryMs: 0 });
    expect(again.jobs().map((j) => j.state)).toEqual(["done", "done", "done"]);
    await again.stop();
    expect(existsSync(statePath)).toBe(true);
  });
});
