/**
 * A reference from a hostile or broken sender is refused with the storage layer's E_BAD_REFERENCE,
 * whatever is wrong with it: here a chunk size so small for the file's size that the 4-byte chunk
 * counter would wrap (only reachable under a large file limit, as a desktop app may set).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { FileReference } from "../../src/wire/index.js";
import { startClient } from "./support/client-fixture.js";

describe("references whose chunks would cost the receiver too much", () => {
  test("fetch and fetchStream refuse it with E_BAD_REFERENCE before anything is downloaded", async () => {
    const { client, dir } = await startClient({ maxFileBytes: 8 * 1024 ** 4 });
    const size = 5 * 1024 ** 4; // 5 TiB in 1 KiB chunks (the smallest a client opens): more than 2^32 chunks
    const view = {
      pieces: [{ cid: "zDvZRwzkvwapyNeL4mzDDmo3bXLMGXdXZtEv3MhFtDPDJoBHCrWz", size: 64 * 1024 * 1024, sha256: randomBytes(32) }],
      encryption: { scheme: "aes-256-gcm-stream", key: randomBytes(32), noncePrefix: randomBytes(7), chunkSize: 1024 },
      plaintextSize: size,
      mime: "application/octet-stream",
      fileName: "big.bin",
      plaintextSha256: randomBytes(32),
    } as FileReference;
    const codeOf = (f: () => unknown): string => {
      try {
        f();
        return "accepted";
      } catch (error) {
        return `${(error as { layer?: string }).layer}:${(error as { code?: string }).code}`;
      }
    };
    expect(codeOf(() => client.fetch(view, { out: join(dir, "big.bin") }))).toBe("storage:E_BAD_REFERENCE");
    expect(codeOf(() => client.fetchStream(view))).toBe("storage:E_BAD_REFERENCE");
  });

  test("a file sealed in chunks under 1 KiB is refused before anything is downloaded (opening it would hold the main thread for minutes); a file of one such chunk is not", async () => {
    const { client, dir } = await startClient();
    const tinyBytes = randomBytes(100);
    const tiny = await client.share({ bytes: tinyBytes, fileName: "t.bin" }).done;
    const bytes = randomBytes(300 * 1024);
    const shared = await client.share({ bytes, fileName: "s.bin" }).done;
    const sealedIn = (view: FileReference, chunkSize: number): FileReference => ({ ...view, encryption: { ...view.encryption, chunkSize } });
    const refusal = (f: () => unknown): unknown => {
      try {
        f();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const small = sealedIn(shared.view, 512);
    for (const f of [() => client.fetch(small, { out: join(dir, "small.bin") }), () => client.fetchStream(small)]) {
      expect(refusal(f)).toMatchObject({ layer: "storage", code: "E_BAD_REFERENCE", message: expect.stringMatching(/sealed in 512-byte chunks, under this client's 1024-byte minimum/) });
    }
    expect(client.jobs().filter((j) => j.kind === "download")).toEqual([]);
    // One chunk costs one open whatever its size: 100 bytes in 100-byte chunks seal exactly as in larger ones.
    const got = await client.fetch(sealedIn(tiny.view, 100), { out: join(dir, "tiny.bin") }).done;
    expect(readFileSync(got.path).equals(tinyBytes)).toBe(true);
  });
});
