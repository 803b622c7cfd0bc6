import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { decodeFileReference } from "../../src/wire/index.js";
import { StorageClient } from "../../src/storage/index.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

describe("a reference written by one release is fetched by the adjacent one", () => {
  test("version 2 sender, version 3 receiver: no index/offset/expiry in the bytes, the receiver falls back to list order", async () => {
    const sender = await startClient({ protocol: 2 });
    const receiver = await startClient({ protocol: 3, backend: sender.backend });
    const { path, bytes } = writeRandomFile(sender.dir, "v2.bin", 150 * KiB + 3);
    const { reference, protocol } = await sender.client.share({ path }).done;
    expect(protocol).toBe(2);
    const asV3 = decodeFileReference(reference, { written: 2, reader: 3 });
    expect(asV3.pieces.length).toBeGreaterThan(1);
    expect(asV3.pieces[1]?.index).toBeUndefined();
    expect(asV3.expiresAt).toBeUndefined();
    for (const input of [reference, { bytes: reference, writtenWith: 2 }]) {
      const out = join(receiver.dir, `got-${typeof input === "object" && "writtenWith" in input ? "hinted" : "bare"}.bin`);
      await receiver.client.fetch(input, { out }).done;
      expect(readFileSync(out).equals(bytes)).toBe(true);
    }
    const parts: Buffer[] = [];
    for await (const p of receiver.client.fetchStream(reference)) parts.push(p);
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
  });

  test("version 3 sender, version 2 receiver: the v3 fields are ignored and the file comes back", async () => {
    const sender = await startClient({ protocol: 3 });
    const receiver = await startClient({ protocol: 2, backend: sender.backend });
    const { path, bytes } = writeRandomFile(sender.dir, "v3.bin", 150 * KiB + 3);
    const { reference } = await sender.client.share({ path }).done;
    expect(decodeFileReference(reference, 3).expiresAt).toBeGreaterThan(0);
    const out = join(receiver.dir, "got.bin");
    await receiver.client.fetch(reference, { out }).done;
    expect(readFileSync(out).equals(bytes)).toBe(true);
    // A v2 receiver knows nothing of expiry from the reference itself.
    expect((await receiver.client.status(reference)).state).toBe("unknown");
  });

  test("each profile journals as its release: v3 fills upload_pieces.offset on a level 3 file, v2 runs on a level 2 file", async () => {
    const v2 = await startClient({ protocol: 2 });
    const v3 = await startClient({ protocol: 3 });
    for (const s of [v2, v3]) await s.client.share({ path: writeRandomFile(s.dir, "f.bin", 70 * KiB).path }).done;
    const level2 = new Database(v2.statePath, { readonly: true });
    const columns2 = (level2.prepare(`PRAGMA table_info(upload_pieces)`).all() as { name: string }[]).map((c) => c.name);
    level2.close();
    expect(columns2).not.toContain("offset");
    const level3 = new Database(v3.statePath, { readonly: true });
    const offsets = (level3.prepare(`SELECT "offset" FROM upload_pieces ORDER BY idx`).all() as { offset: number }[]).map((r) => r.offset);
    level3.close();
    expect(offsets[0]).toBe(0);
    expect(offsets.every((o, i) => i === 0 || o > (offsets[i - 1] as number))).toBe(true);
  });

  test("protocol 1 has no file references: the client refuses to be built for it", () => {
    expect(() => new StorageClient({ protocol: 1, backend: {} as never, statePath: "x", dataDir: "y" })).toThrow(expect.objectContaining({ code: "E_UNSUPPORTED" }));
  });
});
