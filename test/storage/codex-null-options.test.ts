/**
 * put, get, has, delete, space and manifest with null options (a JavaScript caller's "no options")
 * threw a raw TypeError ("Cannot read properties of null (reading 'size')" / "'signal'"), where the
 * local store (727ee46) takes null as no options. Null now means no options here too.
 */
import { describe, expect, test } from "vitest";
import { codexSetup, collect } from "./codex-fixtures.js";

describe("Codex backend calls with null options", () => {
  test("work as with undefined", async () => {
    const { backend } = await codexSetup();
    const none = null as unknown as undefined;
    const bytes = Buffer.alloc(2000, 4);
    const cid = await backend.put(bytes, none);
    expect(await backend.has(cid, none)).toBe(true);
    const { size, body } = await backend.get(cid, none);
    expect(size).toBe(bytes.byteLength);
    expect((await collect(body)).equals(bytes)).toBe(true);
    expect((await backend.manifest(cid, none)).manifest.datasetSize).toBe(bytes.byteLength);
    expect((await backend.space(none)).quotaUsedBytes).toBeGreaterThan(0);
    await backend.delete(cid, none);
    expect(await backend.has(cid)).toBe(false);
  });
});
