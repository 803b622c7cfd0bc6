/**
 * docs/storage.md (error table, E_LOCAL_IO): a fetch whose `out` is a folder is refused before
 * anything is fetched. A path ending in a slash names a folder whether or not it exists yet (an
 * application joining a downloads folder and an empty name), but `out: "…/photos/"` with no
 * folder there downloaded the file *as* `photos`, where the application then looked for a folder.
 */
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageError } from "../../src/storage/index.js";
import { startClient } from "./support/client-fixture.js";

describe("a fetch to a path ending in a slash", () => {
  test("E_LOCAL_IO saying it names a folder, before anything is journaled or fetched; no file is written under the folder's name", async () => {
    const { client, dir } = await startClient();
    writeFileSync(join(dir, "source.bin"), randomBytes(100 * 1024));
    const { reference } = await client.share({ path: join(dir, "source.bin") }).done;
    const out = `${join(dir, "photos")}/`;
    let error: unknown;
    try {
      await client.fetch(reference, { out }).done;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_LOCAL_IO", details: { code: "EISDIR" } });
    expect((error as Error).message).toContain("folder");
    expect(existsSync(join(dir, "photos"))).toBe(false);
    expect(client.jobs().filter((j) => j.kind === "download")).toEqual([]);
  });
});
