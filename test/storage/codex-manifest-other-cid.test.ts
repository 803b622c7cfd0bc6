/**
 * `GET /data/{cid}/network/manifest` answers a DataItem that names its CID. The answer was taken
 * as the asked CID's whatever CID it named: manifest(a) resolved with another dataset's manifest (a
 * caching proxy keyed wrongly, a buggy or hostile endpoint), and a download whose answer had no
 * Content-Length (a proxy may drop it) announced that other dataset's size. As for /exists, only an
 * answer about the asked CID counts (compared as parsed CIDs: the node may render it in another
 * base); any other is an unexpected answer, E_BACKEND_HTTP (retried).
 */
import { base32 } from "multiformats/bases/base32";
import { CID } from "multiformats/cid";
import { describe, expect, test } from "vitest";
import { codexSetup, storageError } from "./codex-fixtures.js";

describe("a manifest answer that names another CID", () => {
  test("manifest(a) refuses a DataItem about b, and takes one about a in another base", async () => {
    const { server, backend } = await codexSetup();
    const a = await backend.put(Buffer.alloc(1000, 1));
    const b = await backend.put(Buffer.alloc(3000, 2));
    const aboutB = await backend.manifest(b);

    server.inject("manifest", { kind: "status", status: 200, contentType: "application/json", body: JSON.stringify(aboutB) });
    const error = await storageError(backend.manifest(a), "E_BACKEND_HTTP");
    expect(error.message).toContain(b);

    const aboutA = await backend.manifest(a);
    expect(aboutA.manifest.datasetSize).toBe(1000);
    const inBase32 = CID.parse(a).toString(base32);
    server.inject("manifest", { kind: "status", status: 200, contentType: "application/json", body: JSON.stringify({ ...aboutA, cid: inBase32 }) });
    expect((await backend.manifest(a)).manifest.datasetSize).toBe(1000);
  });

  test("a download without Content-Length does not announce another dataset's size", async () => {
    const { server, backend } = await codexSetup();
    const a = await backend.put(Buffer.alloc(1000, 1));
    const b = await backend.put(Buffer.alloc(3000, 2));
    const aboutB = await backend.manifest(b);
    server.behaviour.omitContentLength = true;
    server.inject("manifest", { kind: "status", status: 200, contentType: "application/json", body: JSON.stringify(aboutB) });
    await storageError(backend.get(a), "E_BACKEND_HTTP");
    const { size } = await backend.get(a);
    expect(size).toBe(1000);
  });
});
