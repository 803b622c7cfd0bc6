/**
 * A light endpoint (a buggy or hostile node, a proxy in between) that answers an upload with a CID
 * that is valid but not a dataset's: the dataset's tree root (codex-root, `zDz…`), a block's, or
 * any other codec. The sender took it as the piece's CID and finished the share; every receiver
 * then failed on that piece (the node serves no dataset under it) long after the sender could have
 * stored it elsewhere. `POST /data` answers the manifest CID, always of codec codex-manifest
 * (0xCD01, the same number in Logos Storage's `storage-manifest`): anything else is refused at once
 * as E_INTEGRITY (not retried there; the next endpoint), at no cost in traffic. A wrong CID of the
 * right codec is left to the receivers' sha256 check (docs/storage.md, "What the sender checks").
 */
import { describe, expect, onTestFinished, test } from "vitest";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { classifyFailure } from "../../src/storage/retry/index.js";
import { codexSetup, pattern, storageError } from "./codex-fixtures.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";

async function rawCid(bytes: Uint8Array): Promise<string> {
  return CID.createV1(0x55, await sha256.digest(bytes)).toString();
}

describe("Codex backend: an upload answered with a CID that is no dataset manifest's", () => {
  test("the dataset's tree root, or a raw CID, is E_INTEGRITY naming the CID, tried on the next endpoint", async () => {
    const { server, backend } = await codexSetup();
    const stored = await backend.put(pattern(5000));
    const { treeCid } = (await backend.manifest(stored)).manifest;
    for (const answer of [treeCid, await rawCid(pattern(10))]) {
      server.inject("upload", { kind: "status", status: 200, contentType: "text/plain", body: answer });
      const error = await storageError(backend.put(pattern(5000, 2)), "E_INTEGRITY");
      expect(error.message).toContain(answer);
      expect(classifyFailure(error)).toBe("next-endpoint");
    }
    // A manifest CID (the node's own answer) is taken as before.
    expect(await backend.put(pattern(5000, 3))).toMatch(/^zDvZ/);
  });

  test("light mode: a share through an endpoint answering tree roots ends with every piece on the honest one", async () => {
    const { server: liar, backend: liarDirect } = await codexSetup();
    const { treeCid } = (await liarDirect.manifest(await liarDirect.put(pattern(5000)))).manifest;
    liar.inject("upload", { kind: "status", status: 200, contentType: "text/plain", body: treeCid }, { times: 1000 });
    const { server: good } = await codexSetup();
    const endpoint = (url: string): CodexBackend => {
      const backend = createCodexBackend({ url, requestTimeoutMs: 2000 });
      onTestFinished(() => backend.close());
      return backend;
    };
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", backend: undefined, endpoints: [endpoint(liar.url), endpoint(good.url)] });
    const { path } = writeRandomFile(dir, "a.bin", 100 * KiB);
    const { view } = await client.share({ path }).done;
    expect(view.pieces.length).toBeGreaterThan(1);
    const held = new Set(good.cids());
    for (const piece of view.pieces) expect(held.has(piece.cid), piece.cid).toBe(true);
  });
});
