/**
 * A streamed put whose source fails to read (a file stream on a card that was pulled out: EIO; here
 * a folder opened as a file, whose read fails EISDIR) failed E_LOCAL_IO "put to the local store at
 * <store> failed on the local disk", sending the user to the store's disk (free space, permissions)
 * when the store was fine and the source was not. The message now names the source's read.
 */
import { createReadStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";

describe("a local put whose source fails to read", () => {
  test("fails E_LOCAL_IO saying the source could not be read (the OS code kept), not that the store's disk failed; the store goes on", async () => {
    const dir = tempDir("scc-local-source-read-");
    const folder = join(dir, "not-a-file");
    mkdirSync(folder);
    const store = createLocalBackend({ dir: join(dir, "store") });
    const source = createReadStream(folder);
    const error = await store.put(source).then(() => "stored", (e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "E_LOCAL_IO", details: { code: "EISDIR" } });
    expect((error as StorageError).message).toMatch(/^reading the source of a put to the local store failed/);
    expect(await store.put(Buffer.from("fine"))).toMatch(/^z/);
    await store.close();
  });
});
