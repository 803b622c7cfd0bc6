/**
 * A CID is text the Codex backend takes from callers (get, has, delete, manifest) and from the node
 * (the upload's answer). multiformats' CID.parse decodes some text that is no CID's encoding (a
 * character outside the base58 alphabet, such as the U+FFFD a flipped byte decodes to, is read as
 * some digit), so parsing alone let such text through: a caller's got a raw TypeError from the
 * HTTP layer instead of E_BAD_CID, and an upload answer mangled on its way was journaled as the
 * piece's CID, which no reference can carry, so the share failed at its end, and again at each retry.
 */
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { startFaultProxy } from "../support/fault-proxy/index.js";
import { codexSetup, collect, storageError } from "./codex-fixtures.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

/** A stored CID with its 11th byte flipped, as text: a U+FFFD where a base58 digit was. */
function mangled(cid: string): string {
  const bytes = Buffer.from(cid);
  bytes[10] = (bytes[10] as number) ^ 0xff;
  return bytes.toString("utf8");
}

describe("CID text the Codex backend accepts", () => {
  test("a caller's CID with a character outside its base is E_BAD_CID for get, has, delete and manifest, and no request is sent", async () => {
    const { server, backend } = await codexSetup();
    const bad = mangled(await backend.put(Buffer.alloc(1000, 3)));
    const before = server.stats.requests;
    await storageError(() => backend.get(bad), "E_BAD_CID");
    await storageError(() => backend.has(bad), "E_BAD_CID");
    await storageError(() => backend.delete(bad), "E_BAD_CID");
    await storageError(() => backend.manifest(bad), "E_BAD_CID");
    expect(server.stats.requests).toBe(before);
  });

  test("CIDs in each base a node or caller may use still pass: base58btc, base32, CIDv0", async () => {
    const { backend } = await codexSetup();
    const cid = await backend.put(Buffer.alloc(1000, 4));
    const { CID } = await import("multiformats/cid");
    const parsed = CID.parse(cid);
    expect(await backend.has(cid)).toBe(true);
    expect(await backend.has(parsed.toString())).toBe(true);
    expect((await collect((await backend.get(cid)).body)).byteLength).toBe(1000);
    // A CIDv0 is a well-formed CID too (a node answers that it does not hold it).
    expect(await backend.has("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG")).toBe(false);
  });

  test("an upload answer mangled on its way is retried, not journaled: the share completes and reads back", async () => {
    const { server } = await codexSetup();
    const proxy = await startFaultProxy({ target: server.url });
    onTestFinished(() => proxy.close());
    const endpoint = createCodexBackend({ url: proxy.url });
    onTestFinished(() => endpoint.close());
    // The first upload's answer (its CID) gets a byte flipped.
    proxy.script({ kind: "corrupt", atByte: 10 });
    const { client, dir } = await startClient({ mode: "light", endpoints: [endpoint], backend: undefined });
    const { path, bytes } = writeRandomFile(dir, "a.bin", 8 * KiB);
    const { reference } = await client.share({ path }).done;
    expect(proxy.stats.injected.corrupt).toBe(1);
    const out = join(dir, "copy.bin");
    await client.fetch(reference, { out }).done;
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(out).equals(bytes)).toBe(true);
  });
});
