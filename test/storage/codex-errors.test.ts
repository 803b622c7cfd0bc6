/**
 * How the Codex backend maps what a node answers (statuses with plain-text bodies, odd 2xx
 * bodies, refused connections, bad configuration) to typed StorageErrors the retry loop classifies.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { CID } from "multiformats/cid";
import { base32 } from "multiformats/bases/base32";
import { createCodexBackend, CODEX_API_PREFIX, LOGOS_STORAGE_API_PREFIX } from "../../src/storage/backends/codex/index.js";
import { classifyFailure } from "../../src/storage/retry/index.js";
import type { StorageErrorCode } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import type { CodexRoute } from "../support/codex-server/index.js";
import { codexSetup, collect, pattern, storageError } from "./codex-fixtures.js";

type Op = "put" | "get" | "has" | "delete" | "space";

const routeOf: Record<Op, CodexRoute> = { put: "upload", get: "download", has: "exists", delete: "delete", space: "space" };

describe("Codex backend: HTTP statuses with plain-text bodies", () => {
  const cases: Array<[Op, number, string, StorageErrorCode]> = [
    ["get", 404, "The requested CID could not be retrieved (Block not found).", "E_NOT_FOUND"],
    ["get", 400, "Incorrect Cid", "E_BAD_CID"],
    ["get", 422, "Unprocessable", "E_BACKEND_REJECTED"],
    ["get", 403, "Forbidden", "E_BACKEND_REJECTED"],
    ["get", 500, "Unable to fetch block", "E_BACKEND_HTTP"],
    ["get", 500, "", "E_BACKEND_HTTP"],
    ["get", 503, "try again later", "E_BACKEND_HTTP"],
    ["get", 429, "slow down", "E_BACKEND_HTTP"],
    ["put", 422, "The MIME type 'x' is not valid.", "E_BACKEND_REJECTED"],
    ["put", 500, "Unable to init block from chunk!", "E_BACKEND_HTTP"],
    // A full node (its quota or disk): codex-node-full.test.ts.
    ["put", 500, "Unable to store block", "E_QUOTA_EXCEEDED"],
    ["put", 404, "", "E_BACKEND_REJECTED"],
    ["has", 400, "Incorrect Cid", "E_BAD_CID"],
    ["has", 500, "", "E_BACKEND_HTTP"],
    ["has", 404, "", "E_BACKEND_REJECTED"],
    ["delete", 400, "Incorrect Cid", "E_BAD_CID"],
    ["delete", 500, "Unable to delete", "E_BACKEND_HTTP"],
    ["space", 500, "", "E_BACKEND_HTTP"],
    ["space", 404, "", "E_BACKEND_REJECTED"],
    // Redirects are not followed. A permanent one is answered again on every attempt (a gateway moved to https, say)...
    ["get", 301, "Moved Permanently", "E_BACKEND_REJECTED"],
    ["put", 308, "", "E_BACKEND_REJECTED"],
    // ...a temporary one is what a captive portal on mobile Wi-Fi sends until the user logs in: worth another attempt.
    ["get", 302, "Found", "E_BACKEND_HTTP"],
    ["has", 303, "", "E_BACKEND_HTTP"],
    ["space", 307, "", "E_BACKEND_HTTP"],
  ];

  test.each(cases)("%s answered %i %j → %s, with status and body in details", async (op, status, body, code) => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(5000));
    server.inject(routeOf[op], { kind: "status", status, body });
    const run = {
      put: () => backend.put(pattern(5000, 2)),
      get: () => backend.get(cid),
      has: () => backend.has(cid),
      delete: () => backend.delete(cid),
      space: () => backend.space(),
    }[op];
    const error = await storageError(run, code);
    expect(error.details).toMatchObject({ status, body });
    if (body !== "") expect(error.message).toContain(body);
    expect(error.retryable).toBe(code === "E_BACKEND_HTTP");
    // The backend stays usable after any error answer.
    expect(await backend.has(cid)).toBe(true);
  });

  test("delete treats a 404 from anything in between as already absent", async () => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(10));
    server.inject("delete", { kind: "status", status: 404, body: "Not Found" });
    await expect(backend.delete(cid)).resolves.toBeUndefined();
  });

  test("control characters in an error body never reach the message; long bodies are cut", async () => {
    const { server, backend } = await codexSetup();
    server.inject("space", { kind: "status", status: 500, body: `bad\u001b[31m red\r\nline ${"x".repeat(5000)}` });
    const error = await storageError(backend.space(), "E_BACKEND_HTTP");
    expect(error.message).not.toMatch(/[\u0000-\u001f]/);
    expect(error.message.length).toBeLessThan(600);
    expect(String(error.details["body"]).length).toBeLessThanOrEqual(1025);
  });

  test("a 422 answered before the node reads a large upload is reported as the 422, not as a broken connection", async () => {
    const { server, backend } = await codexSetup();
    server.inject("upload", { kind: "status", status: 422, body: "The filename is not valid.", early: true });
    const error = await storageError(backend.put(pattern(20 * 1024 * 1024)), "E_BACKEND_REJECTED");
    expect(error.details).toMatchObject({ status: 422 });
    expect(await backend.has(await backend.put(pattern(10)))).toBe(true);
  });
});

describe("Codex backend: answers that do not match the API", () => {
  test.each<[Op, CodexRoute, string]>([
    ["put", "upload", "<html>not a cid</html>"],
    ["has", "exists", '{"has": "yes"}'],
    ["has", "exists", "not json"],
    ["has", "exists", '{"a": true, "b": false}'],
    ["space", "space", '{"quotaMaxBytes": -1, "quotaUsedBytes": 0, "totalBlocks": 0, "quotaReservedBytes": 0}'],
    ["space", "space", '{"quotaMaxBytes": 10}'],
  ])("%s with a 200 body %j → E_BACKEND_HTTP", async (op, route, body) => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(10));
    // Labelled as the node labels these answers (an HTML label alone is refused earlier: codex-portal-pages.test.ts).
    server.inject(route, { kind: "status", status: 200, contentType: route === "upload" ? "text/plain" : "application/json", body });
    const run = { put: () => backend.put(pattern(20)), has: () => backend.has(cid), space: () => backend.space() }[op as "put" | "has" | "space"];
    const error = await storageError(run, "E_BACKEND_HTTP");
    expect(error.message).toMatch(/unexpected answer/);
  });

  test("a download answered 200 with an HTML page (a captive portal's Wi-Fi login) is a retryable E_BACKEND_HTTP, not the content", async () => {
    // Handed back as the piece, the page failed its hash check: E_INTEGRITY, never retried there, so
    // every download on hotel Wi-Fi failed for good instead of going through once the user logged in.
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(5000));
    const page = "<!DOCTYPE html><html><body>Log in to Hotel Wi-Fi</body></html>";
    server.inject("download", { kind: "status", status: 200, body: page });
    const error = await storageError(async () => collect((await backend.get(cid)).body), "E_BACKEND_HTTP");
    expect(error.message).toMatch(/HTML page/);
    expect(classifyFailure(error)).toBe("retry");
    expect((await collect((await backend.get(cid)).body)).equals(pattern(5000))).toBe(true);
  });

  test("a manifest answer without treeCid is refused", async () => {
    const { server, backend } = await codexSetup();
    const cid = await backend.put(pattern(10));
    server.inject("manifest", { kind: "status", status: 200, contentType: "application/json", body: '{"cid":"x","manifest":{"datasetSize":1}}' });
    await storageError(backend.manifest(cid), "E_BACKEND_HTTP");
  });
});

describe("Codex backend: /exists in both shapes", () => {
  test.each(["cid-key", "has"] as const)("shape %s: true for stored content, false after delete", async (shape) => {
    const { server, backend } = await codexSetup();
    server.behaviour.existsShape = shape;
    const cid = await backend.put(pattern(100));
    expect(await backend.has(cid)).toBe(true);
    await backend.delete(cid);
    expect(await backend.has(cid)).toBe(false);
  });

  test("a CID given in base32 still matches the node's base58btc key", async () => {
    const { backend } = await codexSetup();
    const cid = await backend.put(pattern(100));
    const asBase32 = CID.parse(cid).toString(base32);
    expect(await backend.has(asBase32)).toBe(true);
    expect((await collect((await backend.get(asBase32)).body)).equals(pattern(100))).toBe(true);
  });
});

/** A server on 127.0.0.1 that answers every request as /space does and records the paths asked for (closed after the test). */
async function spaceRecorder(): Promise<{ seen: string[]; port: number }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? "");
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"totalBlocks":0,"quotaMaxBytes":1,"quotaUsedBytes":0,"quotaReservedBytes":0}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { seen, port: (server.address() as { port: number }).port };
}

describe("Codex backend: API prefixes", () => {
  test("both prefixes work against a node serving them", async () => {
    for (const apiPrefix of [CODEX_API_PREFIX, LOGOS_STORAGE_API_PREFIX]) {
      const { backend } = await codexSetup({ apiPrefix }, { prefixes: [apiPrefix] });
      expect(backend.basePath).toBe(apiPrefix);
      const cid = await backend.put(pattern(1000));
      expect((await collect((await backend.get(cid)).body)).equals(pattern(1000))).toBe(true);
    }
  });

  test("the SDK's prefix against a Logos Storage node: put and space are refused with a hint about apiPrefix", async () => {
    const { backend } = await codexSetup({ apiPrefix: CODEX_API_PREFIX }, { prefixes: [LOGOS_STORAGE_API_PREFIX] });
    const put = await storageError(backend.put(pattern(10)), "E_BACKEND_REJECTED");
    expect(put.message).toContain(LOGOS_STORAGE_API_PREFIX);
    const space = await storageError(backend.space(), "E_BACKEND_REJECTED");
    expect(space.message).toContain("apiPrefix");
  });

  test("a URL path is kept below the prefix (reverse proxies)", async () => {
    const { seen, port } = await spaceRecorder();
    const backend = createCodexBackend({ url: `http://127.0.0.1:${port}/codex/`, apiPrefix: "/api/storage/v1/" });
    onTestFinished(() => backend.close());
    await backend.space();
    expect(seen).toEqual(["/codex/api/storage/v1/space"]);
  });
});

describe("Codex backend: a URL that ends in the API prefix (the server URL of a node's openapi.yaml)", () => {
  test("is the node's URL plus that prefix: calls reach the API, with no prefix appended again", async () => {
    for (const apiPrefix of [CODEX_API_PREFIX, LOGOS_STORAGE_API_PREFIX]) {
      const { server, backendWith } = await codexSetup({}, { prefixes: [apiPrefix] });
      for (const url of [`${server.url}${apiPrefix}`, `${server.url}${apiPrefix}/`]) {
        // Before, this was …/api/storage/v1/api/codex/v1/data: 404, E_BACKEND_REJECTED pointing at apiPrefix.
        const backend = backendWith({ url });
        expect(backend.basePath).toBe(apiPrefix);
        expect(backend.location).toBe(server.url);
        const cid = await backend.put(pattern(1000));
        expect((await collect((await backend.get(cid)).body)).equals(pattern(1000))).toBe(true);
      }
    }
  });

  test("an apiPrefix other than the URL's ending keeps the URL's path whole (a proxy mounting a node's API below such a path)", async () => {
    const { seen, port } = await spaceRecorder();
    for (const [url, apiPrefix] of [
      [`http://127.0.0.1:${port}/api/codex/v1`, LOGOS_STORAGE_API_PREFIX],
      [`http://127.0.0.1:${port}/api/codex/v1`, ""],
      [`http://127.0.0.1:${port}/api/storage/v1`, `${LOGOS_STORAGE_API_PREFIX}/`],
    ] as const) {
      const backend = createCodexBackend({ url, apiPrefix });
      onTestFinished(() => backend.close());
      await backend.space();
    }
    expect(seen).toEqual(["/api/codex/v1/api/storage/v1/space", "/api/codex/v1/space", "/api/storage/v1/space"]);
  });
});

describe("Codex backend: connection and configuration", () => {
  test("a refused connection is E_BACKEND_UNREACHABLE for every call (retryable)", async () => {
    const { server, backend: live } = await codexSetup();
    const cid = await live.put(pattern(10));
    const url = server.url;
    await server.close();
    const backend = createCodexBackend({ url, requestTimeoutMs: 2000 });
    onTestFinished(() => backend.close());
    for (const run of [() => backend.put(pattern(10)), () => backend.get(cid), () => backend.has(cid), () => backend.delete(cid), () => backend.space()]) {
      const error = await storageError(run, "E_BACKEND_UNREACHABLE");
      expect(error.details).toMatchObject({ errno: "ECONNREFUSED" });
      expect(error.retryable).toBe(true);
    }
  });

  test("an https endpoint whose certificate does not verify is a retryable E_BACKEND_UNREACHABLE (a captive portal's certificate, see codex-captive-portal.test.ts), naming the TLS code, with nothing sent", async () => {
    // A self-signed certificate for 127.0.0.1, made by openssl (a real child process) for this test only.
    const dir = tempDir("scc-tls-");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
    let requests = 0;
    const server = createHttpsServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, (_req, res) => {
      requests++;
      res.end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const backend = createCodexBackend({ url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, requestTimeoutMs: 2000 });
    onTestFinished(() => backend.close());
    const error = await storageError(backend.space(), "E_BACKEND_UNREACHABLE");
    expect(error.retryable).toBe(true);
    expect(classifyFailure(error)).toBe("retry");
    expect(error.details).toMatchObject({ errno: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    expect(error.message).toMatch(/certificate/);
    expect(requests).toBe(0);
  });

  test.each([
    [{ url: "not a url" }],
    [{ url: "ftp://127.0.0.1:21" }],
    [{ url: "http://127.0.0.1:8080/?x=1" }],
    [{ url: "http://127.0.0.1:8080", apiPrefix: "api v1" }],
    [{ url: "http://127.0.0.1:8080", requestTimeoutMs: 0 }],
    [{ url: "http://127.0.0.1:8080", idleTimeoutMs: 2 ** 40 }],
  ])("bad configuration %j is refused at creation with a typed error", (options) => {
    let thrown: unknown;
    try {
      createCodexBackend(options);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: "E_BACKEND_REJECTED", layer: "storage" });
  });

  test("a '%' in the URL's user or password that is no percent-escape is a typed configuration error that does not show the password", () => {
    for (const url of ["http://admin:50%off@127.0.0.1:8080", "http://a%zz:s3cret@127.0.0.1:8080"]) {
      let thrown: unknown;
      try {
        createCodexBackend({ url });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toMatchObject({ code: "E_BACKEND_REJECTED", layer: "storage", details: { option: "url" } });
      expect((thrown as Error).message).toMatch(/%25/);
      expect(JSON.stringify([(thrown as Error).message, (thrown as { details: unknown }).details])).not.toMatch(/50%off|s3cret/);
    }
  });

  test("credentials in the URL go out as Basic auth and never into location or messages", async () => {
    let authorization: string | undefined;
    const server = createServer((req, res) => {
      authorization = req.headers.authorization;
      res.writeHead(500, { "content-type": "text/html" });
      res.end("nope");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const backend = createCodexBackend({ url: `http://alice:s3cret@127.0.0.1:${port}` });
    onTestFinished(() => backend.close());
    expect(backend.location).toBe(`http://127.0.0.1:${port}`);
    const error = await storageError(backend.space(), "E_BACKEND_HTTP");
    expect(authorization).toBe(`Basic ${Buffer.from("alice:s3cret").toString("base64")}`);
    expect(JSON.stringify(error.toJSON())).not.toContain("s3cret");
  });
});

describe("Codex backend: the caller's upload body", () => {
  test.each([
    ["fewer bytes than size", 1000, 999],
    ["more bytes than size", 1000, 1001],
  ])("%s → E_TRUNCATED before anything is stored", async (_name, declared, actual) => {
    const { server, backend } = await codexSetup();
    async function* body(): AsyncGenerator<Uint8Array> {
      yield pattern(actual);
    }
    const error = await storageError(backend.put(body(), { size: declared }), "E_TRUNCATED");
    expect(error.details).toMatchObject({ declared });
    expect(server.stats.uploads).toBe(0);
  });

  test("an error thrown by the caller's body passes through unchanged and nothing is stored", async () => {
    const { server, backend } = await codexSetup();
    const mine = new Error("disk read failed");
    async function* body(): AsyncGenerator<Uint8Array> {
      yield pattern(100_000);
      throw mine;
    }
    await expect(backend.put(body())).rejects.toBe(mine);
    expect(server.stats.uploads).toBe(0);
    expect(await backend.has(await backend.put(pattern(10)))).toBe(true);
  });

  test("a node that answers once every declared byte arrived, while the body's last next() is still pending, has stored it: put returns its CID", async () => {
    const { server, backend } = await codexSetup();
    const bytes = pattern(1000);
    // Like a file stream that needs one more read to see its end: the node has Content-Length bytes and answers first.
    async function* body(): AsyncGenerator<Uint8Array> {
      yield bytes;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const cid = await backend.put(body(), { size: bytes.byteLength });
    expect(cid).toBe(await backend.put(bytes));
    expect(await collect((await backend.get(cid)).body)).toEqual(bytes);
  });

  test("an iterable that yields only empty chunks is empty content (no request at all)", async () => {
    const { server, backend } = await codexSetup();
    async function* body(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(0);
      yield new Uint8Array(0);
    }
    const cid = await backend.put(body());
    expect(cid).toBe(await backend.put(new Uint8Array(0)));
    expect(server.stats.requests).toBe(0);
    expect((await backend.get(cid)).size).toBe(0);
  });
});

describe("Codex backend: logging", () => {
  test("one debug line per call with operation, path and code; never content or credentials", async () => {
    const { createLogger } = await import("../../src/obs/index.js");
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", destination: { write: (line: string) => void lines.push(line) } });
    const { server, backendWith } = await codexSetup();
    const backend = backendWith({ url: server.url.replace("http://", "http://bob:hunter2@"), logger });
    const secret = Buffer.from("very secret attachment text");
    await backend.put(secret);
    server.inject("space", { kind: "status", status: 503, body: "busy" });
    await storageError(backend.space(), "E_BACKEND_HTTP");
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((p) => [p["component"], p["op"], p["code"]])).toEqual([
      ["storage.codex", "put", undefined],
      ["storage.codex", "space", "E_BACKEND_HTTP"],
    ]);
    const all = lines.join("");
    expect(all).not.toContain("very secret");
    expect(all).not.toContain("hunter2");
  });
});
