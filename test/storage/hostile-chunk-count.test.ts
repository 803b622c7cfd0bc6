/**
 * A reference from a hostile or broken sender is refused with the storage layer's E_BAD_REFERENCE,
 * whatever is wrong with it: here a chunk size so small for the file's size that the 4-byte chunk
 * counter would wrap (only reachable under a large file limit, as a desktop app may set).
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { FileReference } from "../../src/wire/index.js";
import { startClient } from "./support/client-fixture.js";

describe("a reference whose chunk counter would wrap", () => {
  test("fetch and fetchStream refuse it with E_BAD_REFERENCE before anything is downloaded", async () => {
    const { client, dir } = await startClient({ maxFileBytes: 8 * 1024 ** 3 });
    const size = 5 * 1024 ** 3; // 5 GiB in 1-byte chunks: more than 2^32 chunks
    const view = {
      pieces: [{ cid: "zDvZRwzkvwapyNeL4mzDDmo3bXLMGXdXZtEv3MhFtDPDJoBHCrWz", size: 64 * 1024 * 1024, sha256: randomBytes(32) }],
      encryption: { scheme: "aes-256-gcm-stream", key: randomBytes(32), noncePrefix: randomBytes(7), chunkSize: 1 },
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
});
