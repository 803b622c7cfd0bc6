/**
 * share({ path }) of the client's own state database (an app attaching its database to a bug
 * report, say): the client writes it while the upload reads it, and the file alone is not the
 * database: its latest changes sit in the -wal beside it, the upload's own journal rows among them.
 * It was shared as a stale copy without a word (the CLI refuses its home's database for this). It
 * is refused at once, saying how to share a copy; a copy is shared as any file, and a cached file
 * of the data directory still is (a forward).
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { thrown } from "../support/thrown.js";
import { startClient } from "./support/client-fixture.js";

describe("share() of the client's own state database", () => {
  test("the database and its -wal are refused at once naming the option, nothing journaled; a copy and a cached file are shared", async () => {
    const { client, statePath, dir } = await startClient();
    for (const path of [statePath, `${statePath}-wal`]) {
      const error = thrown(() => client.share({ path }));
      expect(error, path).toBeInstanceOf(StorageError);
      expect(error, path).toMatchObject({ code: "E_UNSUPPORTED", details: { option: "path", path } });
      expect((error as Error).message, path).toMatch(/is the storage client's own state database .*its latest changes sit in .*-wal.*share a copy: db\.backup\(copy\) \(better-sqlite3\) or sqlite3 .* "\.backup copy\.sqlite"/);
    }
    expect(client.jobs()).toEqual([]);
    const copy = join(dir, "copy.sqlite");
    const db = new Database(statePath, { readonly: true });
    await db.backup(copy);
    db.close();
    const shared = await client.share({ path: copy }).done;
    const cached = await client.fetch(shared.reference).done;
    await expect(client.share({ path: cached.path }).done).resolves.toMatchObject({ protocol: 3 });
  });
});
