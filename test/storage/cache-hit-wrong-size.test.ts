/**
 * A cached file is found by its plaintext sha256 alone. A hostile reference that names a file the
 * receiver holds (its sha256 is a fingerprint anyone with the file can compute) with pieces of other
 * bytes, and so another plaintext size, was served from the cache reporting the reference's size,
 * not the file's. A network download of that reference fails E_INTEGRITY (the bytes it decrypts do
 * not hash to the reference's sha256), so a cache hit must too: fetch() promises the verified file
 * the reference describes. The cached file is the right content for its own reference and stays.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { sha256 } from "../../src/crypto/index.js";
import { StorageError } from "../../src/storage/index.js";
import { decodeFileReference, encodeFileReference } from "../../src/wire/index.js";
import { localStore, sha256Hex, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

describe("a cache hit whose reference gives another size for the same sha256", () => {
  test("is refused E_INTEGRITY, as a network download of that reference is, and the cached file is kept", async () => {
    const { dir } = await startClient();
    const store = new InstrumentedBackend(localStore(join(dir, "counted-store")));
    const { client } = await startClient({ dir, backend: store, statePath: join(dir, "b.sqlite"), dataDir: join(dir, "b-data") });
    const photo = writeRandomFile(dir, "photo.jpg", 200 * 1024);
    const other = writeRandomFile(dir, "other.bin", 150 * 1024);
    const honest = (await client.share({ path: photo.path }).done).reference;
    const cached = await client.fetch(honest).done;
    expect(cached.fromCache).toBe(false);
    // Pieces that decrypt to other bytes (150 KiB), under the photo's sha256.
    const view = decodeFileReference((await client.share({ path: other.path }).done).reference, 3);
    const hostile = encodeFileReference({ ...view, plaintextSha256: sha256(photo.bytes) }, 3);

    const gets = store.gets;
    const job = client.fetch(hostile);
    const hit = await job.done.catch((e: unknown) => e);
    expect(hit).toBeInstanceOf(StorageError);
    expect((hit as StorageError).code, (hit as StorageError).message).toBe("E_INTEGRITY");
    expect((hit as StorageError).details).toMatchObject({ size: 150 * 1024, cachedSize: 200 * 1024 });
    expect(store.gets, "nothing fetched for it").toBe(gets);
    expect(job.state).toBe("failed");

    // The cached file is still the photo's, served from the cache to its own reference.
    const again = await client.fetch(honest).done;
    expect(again).toMatchObject({ path: cached.path, fromCache: true, size: 200 * 1024 });
    expect(sha256Hex(readFileSync(again.path))).toBe(sha256Hex(photo.bytes));

    // The same reference downloaded from the network ends the same way.
    const downloaded = await client.fetch(hostile, { out: join(dir, "out.jpg") }).done.catch((e: unknown) => e);
    expect((downloaded as StorageError).code).toBe("E_INTEGRITY");
  });
});
