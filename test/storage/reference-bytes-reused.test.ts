/**
 * An application hands the storage client the reference bytes a chat message carried and then
 * reuses or wipes that buffer (a network buffer, key material zeroed after use). The client read
 * the reference when it was called; what it does later must not depend on that buffer.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { KiB, startClient } from "./support/client-fixture.js";

describe("reference bytes reused by the caller after the call", () => {
  it("fetchStream streams the file although the caller wiped the reference bytes once the call returned", async () => {
    const { client } = await startClient();
    const bytes = randomBytes(100 * KiB);
    const shared = await client.share({ bytes, fileName: "a.bin" }).done;
    const reference = Uint8Array.from(shared.reference);
    const stream = client.fetchStream(reference);
    reference.fill(0);
    const parts: Buffer[] = [];
    for await (const part of stream) parts.push(part);
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
  });

  it("a fetch served from a cache entry written to since downloads again from the reference as it was passed", async () => {
    const { client } = await startClient();
    const bytes = randomBytes(100 * KiB);
    const shared = await client.share({ bytes, fileName: "a.bin" }).done;
    const first = await client.fetch(shared.reference).done;
    // The application writes to the cached file it was handed: the next fetch finds the hit stale and downloads again.
    const stale = Buffer.from(readFileSync(first.path));
    stale[0] = stale[0]! ^ 1;
    writeFileSync(first.path, stale);
    const reference = Uint8Array.from(shared.reference);
    const job = client.fetch(reference);
    reference.fill(0);
    const again = await job.done;
    expect(Buffer.from(readFileSync(again.path)).equals(bytes)).toBe(true);
  });
});

describe("a reference buffer larger than any reference", () => {
  it("is refused (E_BAD_REFERENCE) without being copied first: the copy that keeps a reference from the caller's buffer is made only of what can be one", async () => {
    const { client } = await startClient();
    const huge = new Uint8Array(256 * 1024 * 1024);
    const from = vi.spyOn(Uint8Array, "from");
    try {
      expect(() => client.fetchStream(huge)).toThrow(expect.objectContaining({ code: "E_BAD_REFERENCE" }));
      expect(from.mock.calls.filter(([source]) => (source as Uint8Array).byteLength === huge.byteLength)).toEqual([]);
    } finally {
      from.mockRestore();
    }
  });
});
