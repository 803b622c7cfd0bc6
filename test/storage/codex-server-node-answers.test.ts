/**
 * Answers of the Codex test server that a node makes through its HTTP stack rather than its route
 * code (nim-codex bd36032 `codex/rest/api.nim` and `coders.nim` on presto and chronos, and
 * nim-libp2p's `Cid.init`): checked at the HTTP level, as codex-server.test.ts checks the routes.
 */
import { describe, expect, onTestFinished, test } from "vitest";
import { CID } from "multiformats/cid";
import { base58btc } from "multiformats/bases/base58";
import { sha256 } from "multiformats/hashes/sha2";
import { startCodexTestServer, CODEX_PREFIX, LOGOS_STORAGE_PREFIX, type CodexTestServer } from "../support/codex-server/index.js";
import { pattern } from "./codex-fixtures.js";

async function started(): Promise<CodexTestServer> {
  const server = await startCodexTestServer();
  onTestFinished(() => server.close());
  return server;
}

async function uploadCid(server: CodexTestServer, body: Uint8Array): Promise<string> {
  const res = await fetch(`${server.url}${CODEX_PREFIX}/data`, { method: "POST", body, headers: { "content-type": "application/octet-stream" } });
  expect(res.status).toBe(200);
  return res.text();
}

describe("Codex test server: what the node's HTTP stack answers", () => {
  test("a request no route takes is presto's bare 404: no Content-Type, Content-Length 0, no body", async () => {
    const server = await started();
    const cid = await uploadCid(server, pattern(10));
    for (const [method, path] of [
      ["GET", "/"],
      ["GET", `${CODEX_PREFIX}/nothing`],
      ["PUT", `${CODEX_PREFIX}/data`],
      ["POST", `${CODEX_PREFIX}/data/${cid}`],
      ["GET", `${CODEX_PREFIX}/data/${cid}/network`],
      ["GET", `${LOGOS_STORAGE_PREFIX}/sales/slots`],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, { method });
      expect({ method, path, status: res.status, type: res.headers.get("content-type"), length: res.headers.get("content-length") }).toEqual({
        method,
        path,
        status: 404,
        type: null,
        length: "0",
      });
      expect(await res.text()).toBe("");
    }
  });

  test("OPTIONS on /data and /data/{cid} (the CORS preflight routes) answers 204 with no body, whatever the CID", async () => {
    const server = await started();
    const cid = await uploadCid(server, pattern(10));
    for (const path of [`${CODEX_PREFIX}/data`, `${CODEX_PREFIX}/data/${cid}`, `${LOGOS_STORAGE_PREFIX}/data/not-a-cid`, `${CODEX_PREFIX}/sales/availability/1`]) {
      const res = await fetch(`${server.url}${path}`, { method: "OPTIONS" });
      expect({ path, status: res.status, type: res.headers.get("content-type") }).toEqual({ path, status: 204, type: null });
      expect(await res.text()).toBe("");
    }
    // Logos Storage dropped the marketplace, its preflight too.
    expect((await fetch(`${server.url}${LOGOS_STORAGE_PREFIX}/sales/availability/1`, { method: "OPTIONS" })).status).toBe(404);
  });

  test("Access-Control-Expose-Headers: Content-Disposition on the network stream only, as api.nim sets it there and not on a local download", async () => {
    const server = await started();
    const cid = await uploadCid(server, pattern(10));
    const network = await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}/network/stream`);
    await network.arrayBuffer();
    expect(network.headers.get("access-control-expose-headers")).toBe("Content-Disposition");
    const local = await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}`);
    await local.arrayBuffer();
    expect(local.status).toBe(200);
    expect(local.headers.get("access-control-expose-headers")).toBeNull();
  });

  test("a download's error is sent by the route itself (resp.sendBody), so chronos labels it text/html; charset=utf-8; a manifest's is presto's text/html", async () => {
    const server = await started();
    const cid = await uploadCid(server, pattern(10));
    await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}`, { method: "DELETE" });
    // Local: node.retrieve's BlockNotFoundError, 404.
    const local = await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}`);
    expect({ status: local.status, type: local.headers.get("content-type") }).toEqual({ status: 404, type: "text/html; charset=utf-8" });
    expect(await local.text()).toBe("The requested CID could not be retrieved (Block not found in local store).");
    // Network: the block exchange's RetriesExhaustedError, no BlockNotFoundError, so 500 with its text.
    const network = await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}/network/stream`);
    expect({ status: network.status, type: network.headers.get("content-type") }).toEqual({ status: 500, type: "text/html; charset=utf-8" });
    expect(await network.text()).toBe("Error retries exhausted");
    // fetchManifest's failure: presto's error, 404.
    for (const [method, path] of [["GET", `/data/${cid}/network/manifest`], ["POST", `/data/${cid}/network`]] as const) {
      const res = await fetch(`${server.url}${CODEX_PREFIX}${path}`, { method });
      expect({ path, status: res.status, type: res.headers.get("content-type") }).toEqual({ path, status: 404, type: "text/html" });
      expect(await res.text()).toBe("Error retries exhausted");
    }
  });

  test("a CID libp2p's Cid.init refuses is 400 'Incorrect Cid': a codec outside its content-ID list, a CIDv0 in a multibase", async () => {
    const server = await started();
    const digest = await sha256.digest(pattern(10));
    // dag-jose (0x85): a valid CID elsewhere, not among nim-libp2p's content IDs nor Codex's.
    const otherCodec = CID.createV1(0x85, digest).toString(base58btc);
    // A CIDv0's bytes, multibase-prefixed: libp2p takes a CIDv0 only as its bare 'Qm…' text.
    const v0InMultibase = base58btc.encode(CID.createV0(digest).bytes);
    for (const cid of [otherCodec, v0InMultibase]) {
      for (const path of [`/data/${cid}/exists`, `/data/${cid}`, `/data/${cid}/network/stream`]) {
        const res = await fetch(`${server.url}${CODEX_PREFIX}${path}`);
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
        expect(await res.text()).toBe("Incorrect Cid");
      }
    }
    // What libp2p does take: raw (0x55) in base32, a bare CIDv0, a Codex manifest.
    const raw = CID.createV1(0x55, digest).toString();
    const v0 = CID.createV0(digest).toString();
    for (const cid of [raw, v0, await uploadCid(server, pattern(20))]) {
      expect((await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}/exists`)).status).toBe(200);
    }
  });

  test("a manifest asked for under a CID that is no manifest's is 404 with fetchManifest's own text", async () => {
    const server = await started();
    const raw = CID.createV1(0x55, await sha256.digest(pattern(10))).toString(base58btc);
    for (const path of [`/data/${raw}/network/manifest`]) {
      const res = await fetch(`${server.url}${CODEX_PREFIX}${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe("CID has invalid content type for manifest {$cid}");
    }
    const fetched = await fetch(`${server.url}${CODEX_PREFIX}/data/${raw}/network`, { method: "POST" });
    expect(fetched.status).toBe(404);
    expect(await fetched.text()).toBe("CID has invalid content type for manifest {$cid}");
  });
});
