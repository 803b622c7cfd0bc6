/**
 * The Codex test server answers as the node's REST code does (it is the stand-in for a real node
 * in every other test, so its fidelity is tested at the HTTP level, without our client).
 */
import { createHash } from "node:crypto";
import { describe, expect, onTestFinished, test } from "vitest";
import { CID } from "multiformats/cid";
import { base58btc } from "multiformats/bases/base58";
import { base32 } from "multiformats/bases/base32";
import {
  startCodexTestServer,
  CODEX_PREFIX,
  LOGOS_STORAGE_PREFIX,
  CODEX_MANIFEST_CODEC,
  CODEX_ROOT_CODEC,
  type CodexTestServer,
  type CodexTestServerOptions,
} from "../support/codex-server/index.js";
import { pattern } from "./codex-fixtures.js";

async function started(options: CodexTestServerOptions = {}): Promise<CodexTestServer> {
  const server = await startCodexTestServer(options);
  onTestFinished(() => server.close());
  return server;
}

async function upload(server: CodexTestServer, body: Uint8Array, headers: Record<string, string> = {}, prefix = CODEX_PREFIX): Promise<Response> {
  return fetch(`${server.url}${prefix}/data`, { method: "POST", body, headers: { "content-type": "application/octet-stream", ...headers } });
}

async function uploadCid(server: CodexTestServer, body: Uint8Array, headers: Record<string, string> = {}, prefix = CODEX_PREFIX): Promise<string> {
  const res = await upload(server, body, headers, prefix);
  expect(res.status).toBe(200);
  return res.text();
}

describe("Codex test server: uploads", () => {
  test("POST /data answers the manifest CID as text/plain: base58btc CIDv1, codec-manifest 0xCD01, sha2-256", async () => {
    const server = await started();
    const res = await upload(server, pattern(100_000));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain");
    const text = await res.text();
    expect(text.startsWith("zDvZ")).toBe(true);
    const cid = CID.parse(text);
    expect(cid.version).toBe(1);
    expect(cid.code).toBe(CODEX_MANIFEST_CODEC);
    expect(cid.multihash.code).toBe(0x12);
    expect(cid.toString(base58btc)).toBe(text);
  });

  test("identical bytes give the identical CID on both prefixes; different bytes another", async () => {
    const server = await started();
    const bytes = pattern(70_000, 5);
    const a = await uploadCid(server, bytes);
    expect(await uploadCid(server, bytes, {}, LOGOS_STORAGE_PREFIX)).toBe(a);
    const other = Buffer.from(bytes);
    other[0] = (other[0] ?? 0) ^ 0xff;
    expect(await uploadCid(server, other)).not.toBe(a);
  });

  test("filename and mimetype live in the manifest: they change the manifest CID, not the tree CID", async () => {
    const server = await started();
    const bytes = pattern(10_000, 9);
    const plain = await uploadCid(server, bytes, { "content-type": "" });
    const named = await uploadCid(server, bytes, { "content-type": "image/png", "content-disposition": 'attachment; filename="a.png"' });
    expect(named).not.toBe(plain);
    const [m1, m2] = await Promise.all(
      [plain, named].map(async (cid) => (await (await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}/network/manifest`)).json()) as { manifest: Record<string, unknown> }),
    );
    expect(m1?.manifest["treeCid"]).toBe(m2?.manifest["treeCid"]);
    expect(CID.parse(String(m1?.manifest["treeCid"])).code).toBe(CODEX_ROOT_CODEC);
    expect(m2?.manifest).toMatchObject({ filename: "a.png", mimetype: "image/png" });
    expect(m1?.manifest["filename"]).toBeUndefined();
  });

  test("an empty upload fails like a node's Merkle tree: 500 'Empty leaves' as text/html", async () => {
    const server = await started();
    const res = await upload(server, new Uint8Array(0));
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe("text/html");
    expect(await res.text()).toBe("Empty leaves");
  });

  test.each([
    ["text/plain; charset=utf-8", {}, "The MIME type 'text/plain; charset=utf-8' is not valid."],
    ["no/such-type", {}, "The MIME type 'no/such-type' is not valid."],
    ["image/png", { "content-disposition": 'attachment; filename="../x.png"' }, "The filename is not valid."],
  ])("Content-Type %s is refused with 422 and a plain-text reason", async (type, extra, message) => {
    const server = await started();
    const res = await upload(server, pattern(10), { "content-type": type, ...extra });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("text/html");
    expect(await res.text()).toBe(message);
  });

  test("a 50 MiB upload is streamed to disk and read back byte for byte", async () => {
    const server = await started();
    const block = pattern(1024 * 1024, 3);
    async function* body(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 50; i++) yield block;
    }
    const res = await fetch(`${server.url}${CODEX_PREFIX}/data`, {
      method: "POST",
      body: body() as unknown as RequestInit["body"],
      duplex: "half",
      headers: { "content-type": "application/octet-stream" },
    } as RequestInit);
    const cid = await res.text();
    expect(res.status).toBe(200);
    const down = await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}/network/stream`);
    expect(down.headers.get("content-length")).toBe(String(50 * 1024 * 1024));
    const hash = createHash("sha256");
    const expected = createHash("sha256");
    for (let i = 0; i < 50; i++) expected.update(block);
    for await (const chunk of down.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
    expect(hash.digest("hex")).toBe(expected.digest("hex"));
    expect(server.stats.uploadedBytes).toBe(50 * 1024 * 1024);
  });

  test("an upload beyond quotaMaxBytes fails with 500 and stores nothing", async () => {
    const server = await started({ quotaMaxBytes: 100_000 });
    const res = await upload(server, pattern(200_000));
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(/quota/);
    expect(server.cids()).toEqual([]);
  });
});

describe("Codex test server: downloads and metadata", () => {
  test("network/stream sends Content-Length = datasetSize, octet-stream and an attachment disposition", async () => {
    const server = await started();
    const bytes = pattern(200_001);
    const cid = await uploadCid(server, bytes);
    for (const path of [`/data/${cid}/network/stream`, `/data/${cid}`]) {
      const res = await fetch(`${server.url}${CODEX_PREFIX}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-length")).toBe("200001");
      expect(res.headers.get("content-type")).toBe("application/octet-stream");
      expect(res.headers.get("content-disposition")).toBe("attachment");
      expect(res.headers.get("accept-ranges")).toBeNull();
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });

  test("a download keeps the uploaded filename and mimetype in its headers", async () => {
    const server = await started();
    const cid = await uploadCid(server, pattern(10), { "content-type": "image/png", "content-disposition": 'attachment; filename="cat.png"' });
    const res = await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}/network/stream`);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="cat.png"');
  });

  test("errors are plain text labelled text/html: 400 for a bad CID, 404 for unknown content", async () => {
    const server = await started();
    const bad = await fetch(`${server.url}${CODEX_PREFIX}/data/not-a-cid/network/stream`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toBe("text/html");
    expect(await bad.text()).toBe("Incorrect Cid");
    const cid = await uploadCid(server, pattern(10));
    await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}`, { method: "DELETE" });
    const missing = await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}/network/stream`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toMatch(/^The requested CID could not be retrieved/);
  });

  test("DataItem JSON: `protected` under /api/codex/v1 only (Logos Storage dropped it)", async () => {
    const server = await started();
    const cid = await uploadCid(server, pattern(1000));
    const codex = (await (await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}/network/manifest`)).json()) as Record<string, unknown>;
    const logos = (await (await fetch(`${server.url}${LOGOS_STORAGE_PREFIX}/data/${cid}/network/manifest`)).json()) as Record<string, unknown>;
    expect(codex).toEqual({ cid, manifest: expect.objectContaining({ datasetSize: 1000, blockSize: 65536, protected: false }) });
    expect(logos["manifest"]).not.toHaveProperty("protected");
    const fetched = await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}/network`, { method: "POST" });
    expect(((await fetched.json()) as { cid: string }).cid).toBe(cid);
    const list = (await (await fetch(`${server.url}${CODEX_PREFIX}/data`)).json()) as { content: Array<{ cid: string }> };
    expect(list.content.map((item) => item.cid)).toEqual([cid]);
  });

  test("/exists answers {\"<cid>\": bool} keyed by the node's base58btc rendering, or {\"has\": bool} when switched", async () => {
    const server = await started();
    const cid = await uploadCid(server, pattern(10));
    const asBase32 = CID.parse(cid).toString(base32);
    expect(await (await fetch(`${server.url}${CODEX_PREFIX}/data/${asBase32}/exists`)).json()).toEqual({ [cid]: true });
    server.behaviour.existsShape = "has";
    expect(await (await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}/exists`)).json()).toEqual({ has: true });
  });

  test("DELETE answers 204 for present and absent content; /space counts what is stored", async () => {
    const server = await started();
    const empty = (await (await fetch(`${server.url}${CODEX_PREFIX}/space`)).json()) as Record<string, number>;
    expect(empty).toEqual({ totalBlocks: 0, quotaMaxBytes: 20 * 2 ** 30, quotaUsedBytes: 0, quotaReservedBytes: 0 });
    const cid = await uploadCid(server, pattern(65_537));
    const used = (await (await fetch(`${server.url}${CODEX_PREFIX}/space`)).json()) as Record<string, number>;
    expect(used["totalBlocks"]).toBe(3); // two data blocks and the manifest
    expect(used["quotaUsedBytes"]).toBeGreaterThan(65_537);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}`, { method: "DELETE" });
      expect(res.status).toBe(204);
    }
    expect(server.cids()).toEqual([]);
  });

  test("a server limited to one prefix answers 404 with an empty body on the other", async () => {
    const server = await started({ prefixes: [LOGOS_STORAGE_PREFIX] });
    const res = await fetch(`${server.url}${CODEX_PREFIX}/space`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("");
    expect((await fetch(`${server.url}${LOGOS_STORAGE_PREFIX}/space`)).status).toBe(200);
  });
});
