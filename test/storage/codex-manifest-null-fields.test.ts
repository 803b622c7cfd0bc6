/**
 * A node writes a manifest's absent filename (and mimetype) as JSON null, not by leaving the key out:
 * nim-serde's `%` of an Option that is none is null. put sends no filename, so every DataItem of
 * the client's own pieces carries `"filename": null`; manifest() must read it as absent.
 */
import { describe, expect, test } from "vitest";
import { codexSetup, pattern } from "./codex-fixtures.js";

describe("Codex backend: a DataItem with null filename and mimetype", () => {
  test("the test server sends the keys with null, as a node does, and manifest() reads them as absent", async () => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(5000));
    const raw = (await (await fetch(`${server.url}/api/codex/v1/data/${cid}/network/manifest`)).json()) as { manifest: Record<string, unknown> };
    expect(raw.manifest).toMatchObject({ filename: null, mimetype: "application/octet-stream" });
    const item = await backend.manifest(cid);
    expect(item.manifest).toEqual({ treeCid: raw.manifest["treeCid"], datasetSize: 5000, blockSize: 65_536, protected: false, mimetype: "application/octet-stream" });
    expect("filename" in item.manifest).toBe(false);
  });

  test("a DataItem with both null reads as neither given", async () => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(5000));
    const { treeCid } = (await backend.manifest(cid)).manifest;
    const body = JSON.stringify({ cid, manifest: { treeCid, datasetSize: 5000, blockSize: 65_536, filename: null, mimetype: null, protected: false } });
    server.inject("manifest", { kind: "status", status: 200, body, contentType: "application/json" });
    const item = await backend.manifest(cid);
    expect(item.manifest).toEqual({ treeCid, datasetSize: 5000, blockSize: 65_536, protected: false });
  });
});
