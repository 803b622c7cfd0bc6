/**
 * The Codex test server answers as the node's REST code does (it is the stand-in for a real node
 * in every other test, so its fidelity is tested at the HTTP level, without our client).
 */
import { createHash } from "node:crypto";
import { Agent, request } from "node:http";
import { rm } from "node:fs/promises";
import { describe, expect, onTestFinished, test } from "vitest";
import { CID } from "multiformats/cid";
import { base58btc } from "multiformats/bases/base58";
import { base32 } from "multiformats/bases/base32";
import { create as createDigest } from "multiformats/hashes/digest";
import {
  startCodexTestServer,
  CODEX_PREFIX,
  LOGOS_STORAGE_PREFIX,
  CODEX_MANIFEST_CODEC,
  CODEX_BLOCK_CODEC,
  CODEX_ROOT_CODEC,
  type CodexTestServer,
  type CodexTestServerOptions,
} from "../support/codex-server/index.js";
import { until } from "../support/until.js";
import { pattern } from "./codex-fixtures.js";

/** A data block's CID as a node names it: codec codex-block, sha2-256 of the block, base58btc. */
function blockCid(block: Uint8Array): string {
  return CID.createV1(CODEX_BLOCK_CODEC, createDigest(0x12, createHash("sha256").update(block).digest())).toString(base58btc);
}

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
    // nim-serde writes an absent Option (?string) as null, so a node sends the key with null.
    expect(m1?.manifest).toMatchObject({ filename: null, mimetype: null });
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
    ["image/png/extra", {}, "The MIME type 'image/png/extra' is not valid."],
    ["not a type", {}, "The MIME type 'not a type' is not valid."],
    ["image/", {}, "The MIME type 'image/' is not valid."],
    ["image/png", { "content-disposition": 'attachment; filename="../x.png"' }, "The filename is not valid."],
  ])("Content-Type %s is refused with 422 and a plain-text reason", async (type, extra, message) => {
    const server = await started();
    const res = await upload(server, pattern(10), { "content-type": type, ...extra });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("text/html");
    expect(await res.text()).toBe(message);
  });

  test.each(["image/heic", "image/avif", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "audio/x-aac", "IMAGE/PNG", "chemical/x-cif"])(
    "Content-Type %s, a type Nim's mimetypes table knows, is accepted and kept in the manifest",
    async (type) => {
      const server = await started();
      const cid = await uploadCid(server, pattern(10), { "content-type": type });
      const res = await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}/network/stream`);
      expect(res.headers.get("content-type")).toBe(type);
      await res.arrayBuffer();
    },
  );

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

  test("an upload beyond quotaMaxBytes fails with the node's 500 'Unable to store block <CID of the block that did not fit>' and stores nothing", async () => {
    const server = await started({ quotaMaxBytes: 100_000 });
    const res = await upload(server, pattern(200_000));
    expect(res.status).toBe(500);
    // The second 64 KiB block is the first past 100 000 bytes.
    expect(await res.text()).toBe(`Unable to store block ${blockCid(pattern(200_000).subarray(65_536, 131_072))}`);
    expect(server.cids()).toEqual([]);
  });

  test("an upload the server cannot write to disk (its folder gone) answers 500, with no uncaught stream error and no hang", async () => {
    const server = await started();
    await rm(server.dir, { recursive: true, force: true });
    for (const size of [100, 200_000]) {
      const res = await upload(server, pattern(size));
      expect(res.status).toBe(500);
      expect(await res.text()).toMatch(/ENOENT/);
    }
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

  test("every answer says Connection: close and its connection ends with it, as a node's REST server does (chronos without Http11Pipeline)", async () => {
    const server = await started();
    const cid = await uploadCid(server, pattern(100_000));
    const agent = new Agent({ keepAlive: true });
    onTestFinished(() => agent.destroy());
    const call = (method: string, path: string): Promise<{ status: number; connection: string | undefined }> =>
      new Promise((resolve, reject) => {
        request(`${server.url}${CODEX_PREFIX}${path}`, { agent, method }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
          res.on("error", reject);
        })
          .on("error", reject)
          .end();
      });
    const calls: Array<[string, string]> = [
      ["GET", "/space"],
      ["GET", `/data/${cid}/exists`],
      ["GET", `/data/${cid}/network/manifest`],
      ["GET", `/data/${cid}/network/stream`],
      ["GET", "/data/not-a-cid/exists"],
      ["GET", "/no/such/route"],
      ["OPTIONS", "/data"],
      ["DELETE", `/data/${cid}`],
    ];
    for (const [method, path] of calls) {
      const answer = await call(method, path);
      expect(answer.connection, `${method} ${path} (${answer.status})`).toBe("close");
      await until(() => server.openConnections() === 0, `the server to end the connection of ${method} ${path}`);
    }
    server.inject("space", { kind: "status", status: 503, body: "busy" });
    expect(await call("GET", "/space")).toEqual({ status: 503, connection: "close" });
    const answered = await fetch(`${server.url}${CODEX_PREFIX}/data`, { method: "POST", body: pattern(10) });
    expect(answered.headers.get("connection")).toBe("close");
  });

  test("keepAlive (a gateway in front of the node): a download still ends its connection with the body; other answers keep it alive", async () => {
    const server = await started({ keepAlive: true });
    const cid = await uploadCid(server, pattern(100_000));
    const agent = new Agent({ keepAlive: true });
    onTestFinished(() => agent.destroy());
    const get = (path: string): Promise<{ connection: string | undefined; body: Buffer }> =>
      new Promise((resolve, reject) => {
        request(`${server.url}${CODEX_PREFIX}${path}`, { agent }, (res) => {
          const parts: Buffer[] = [];
          res.on("data", (chunk: Buffer) => parts.push(chunk));
          res.on("end", () => resolve({ connection: res.headers.connection, body: Buffer.concat(parts) }));
          res.on("error", reject);
        })
          .on("error", reject)
          .end();
      });
    for (const path of [`/data/${cid}/network/stream`, `/data/${cid}`]) {
      const download = await get(path);
      expect(download.connection).toBe("close");
      expect(download.body.byteLength).toBe(100_000);
      await until(() => server.openConnections() === 0, "the server to end the download's connection");
    }
    const space = await get("/space");
    expect(space.connection).toBe("keep-alive");
    expect(server.openConnections()).toBe(1);
  });

  test("a download keeps the uploaded filename and mimetype in its headers", async () => {
    const server = await started();
    const cid = await uploadCid(server, pattern(10), { "content-type": "image/png", "content-disposition": 'attachment; filename="cat.png"' });
    const res = await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}/network/stream`);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="cat.png"');
  });

  test("errors are plain text labelled text/html: 400 for a bad CID; for unknown content a node's 'Error retries exhausted', 500 on a network download", async () => {
    const server = await started();
    const bad = await fetch(`${server.url}${CODEX_PREFIX}/data/not-a-cid/network/stream`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toBe("text/html");
    expect(await bad.text()).toBe("Incorrect Cid");
    const cid = await uploadCid(server, pattern(10));
    await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}`, { method: "DELETE" });
    const missing = await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}/network/stream`);
    expect(missing.status).toBe(500);
    expect(await missing.text()).toBe("Error retries exhausted");
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

describe("Codex test server: node, debug and marketplace routes", () => {
  const prefixes = [CODEX_PREFIX, LOGOS_STORAGE_PREFIX] as const;

  test.each(prefixes)("%s/peerid answers {id} as JSON, or the bare ID as text/plain when Accept prefers it", async (prefix) => {
    const server = await started();
    expect(server.peerId).toMatch(/^12D3KooW[1-9A-HJ-NP-Za-km-z]+$/);
    const json = await fetch(`${server.url}${prefix}/peerid`);
    expect(json.status).toBe(200);
    expect(json.headers.get("content-type")).toBe("application/json");
    expect(await json.json()).toEqual({ id: server.peerId });
    const text = await fetch(`${server.url}${prefix}/peerid`, { headers: { accept: "application/json;q=0.5, text/plain" } });
    expect(text.headers.get("content-type")).toBe("text/plain");
    expect(await text.text()).toBe(server.peerId);
  });

  test.each(prefixes)("%s/spr answers the record as JSON or text/plain, and 503 with an empty JSON-labelled body before there is one", async (prefix) => {
    const server = await started();
    const json = await fetch(`${server.url}${prefix}/spr`);
    expect(json.status).toBe(200);
    expect(json.headers.get("content-type")).toBe("application/json");
    expect(await json.json()).toEqual({ spr: server.spr });
    expect(server.spr).toMatch(/^spr:[A-Za-z0-9_-]+$/);
    const text = await fetch(`${server.url}${prefix}/spr`, { headers: { accept: "text/plain" } });
    expect(text.headers.get("content-type")).toBe("text/plain");
    expect(await text.text()).toBe(server.spr);
    server.behaviour.sprReady = false;
    const notYet = await fetch(`${server.url}${prefix}/spr`);
    expect(notYet.status).toBe(503);
    expect(notYet.headers.get("content-type")).toBe("application/json");
    expect(await notYet.text()).toBe("");
  });

  test.each(prefixes)("%s/connect/{peerId}: 200 for a reachable peer, 400 with the node's reason otherwise", async (prefix) => {
    const server = await started();
    const other = (await started()).peerId;
    const connect = (peer: string, query = ""): Promise<Response> => fetch(`${server.url}${prefix}/connect/${peer}${query}`);
    const cases: Array<[Promise<Response>, number, string, string]> = [
      [connect("not-a-peer-id"), 400, "text/html", "peerid: incorrect PeerId string"],
      [connect(other), 400, "text/html", "Unable to find Peer!"],
      [connect(other, "?addrs=/ip4/127.0.0.1/tcp/1"), 400, "text/html", "Unable to dial peer"],
    ];
    for (const [answer, status, type, body] of cases) {
      const res = await answer;
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toBe(type);
      expect(await res.text()).toBe(body);
    }
    server.behaviour.connectablePeers = [other];
    const ok = await connect(other, "?addrs=/ip4/127.0.0.1/tcp/1");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("text/plain");
    expect(await ok.text()).toBe("Successfully connected to peer");
  });

  test.each(prefixes)("%s/debug/info answers pretty DebugInfo JSON naming the node, its record and an empty table", async (prefix) => {
    const server = await started();
    const res = await fetch(`${server.url}${prefix}/debug/info`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const text = await res.text();
    expect(text).toContain('\n  "id": ');
    const info = JSON.parse(text) as Record<string, unknown>;
    expect(info).toEqual({
      id: server.peerId,
      addrs: [expect.stringMatching(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+$/)],
      repo: server.dir,
      spr: server.spr,
      announceAddresses: [expect.stringMatching(/^\/ip4\/127\.0\.0\.1\//)],
      table: { localNode: expect.objectContaining({ peerId: server.peerId, record: server.spr, seen: false }), nodes: [] },
      codex: { version: expect.any(String), revision: expect.any(String), contracts: expect.any(String) },
    });
    server.behaviour.sprReady = false;
    expect(((await (await fetch(`${server.url}${prefix}/debug/info`)).json()) as { spr: string }).spr).toBe("");
  });

  test.each(prefixes)("%s/debug/chronicles/loglevel: 200 empty for a chronicles level, 400 without one, 500 for an unknown one", async (prefix) => {
    const server = await started();
    const set = (query: string): Promise<Response> => fetch(`${server.url}${prefix}/debug/chronicles/loglevel${query}`, { method: "POST" });
    const ok = await set("?level=debug;TRACE:blockexchange");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("text/plain");
    expect(await ok.text()).toBe("");
    expect(server.logLevel()).toBe("DEBUG");
    const missing = await set("");
    expect([missing.status, missing.headers.get("content-type"), await missing.text()]).toEqual([400, "text/html", "Missing log level"]);
    const unknown = await set("?level=LOUD");
    expect([unknown.status, unknown.headers.get("content-type"), await unknown.text()]).toEqual([
      500,
      "text/html",
      "Please specify one of: trace, debug, info, notice, warn, error or fatal",
    ]);
    expect(server.logLevel()).toBe("DEBUG");
    expect((await fetch(`${server.url}${prefix}/debug/chronicles/loglevel?level=INFO`)).status).toBe(404); // GET is not a route
  });

  const marketplace: Array<[string, string, string?]> = [
    ["GET", "/sales/slots"],
    ["GET", "/sales/slots/0x1234"],
    ["GET", "/sales/availability"],
    ["POST", "/sales/availability", '{"totalSize":"1000","duration":"60","minPricePerBytePerSecond":"1","totalCollateral":"1"}'],
    ["PATCH", "/sales/availability/0xabcd", '{"totalSize":"2000"}'],
    ["GET", "/sales/availability/0xabcd/reservations"],
    ["POST", "/storage/request/zDvZRwzm2mK7tvDzKScRLapqGdgNTLyyEBvx1TQY37J2CdWdS6Sn", '{"duration":"100","pricePerBytePerSecond":"1","proofProbability":"1","collateralPerByte":"1","expiry":"50"}'],
    ["GET", "/storage/purchases"],
    ["GET", "/storage/purchases/0x5678"],
  ];

  test.each(marketplace)("marketplace %s %s: 503 'Persistence is not enabled' under /api/codex/v1, unknown (404, empty) under /api/storage/v1", async (method, path, body) => {
    const server = await started();
    const init: RequestInit = { method, ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } }) };
    const codex = await fetch(`${server.url}${CODEX_PREFIX}${path}`, init);
    expect(codex.status).toBe(503);
    expect(codex.headers.get("content-type")).toBe("text/html");
    expect(await codex.text()).toBe("Persistence is not enabled");
    const logos = await fetch(`${server.url}${LOGOS_STORAGE_PREFIX}${path}`, init);
    expect(logos.status).toBe(404);
    expect(await logos.text()).toBe("");
    expect(server.stats.byRoute.marketplace).toBe(1);
  });

  test("node routes take scripted faults like the data routes", async () => {
    const server = await started();
    server.inject("peerid", { kind: "status", status: 500, body: "boom" });
    const failed = await fetch(`${server.url}${CODEX_PREFIX}/peerid`);
    expect([failed.status, await failed.text()]).toEqual([500, "boom"]);
    expect((await fetch(`${server.url}${CODEX_PREFIX}/peerid`)).status).toBe(200);
  });
});
