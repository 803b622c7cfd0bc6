/**
 * A node answers an upload with the manifest CID in base58btc (`zDvZ…`, nim-libp2p's `$` for a
 * CIDv1), the only form the wire's FileReference takes for a piece (src/wire field-checks: "must be a
 * base58btc CID"). The backend took any base its CID check reads: an answer in base32 or base36
 * (a gateway or another implementation of the API that renders CIDs so) came back from put as it
 * was, and the storage client put it into the reference, which then could not be encoded. It is the
 * same CID: put now returns it in base58btc, what a node would have answered.
 *
 * Real HTTP on 127.0.0.1: the Codex test server behind a front that re-renders the upload's answer.
 */
import { createServer, request, type IncomingHttpHeaders } from "node:http";
import { base32 } from "multiformats/bases/base32";
import { base36 } from "multiformats/bases/base36";
import { base58btc } from "multiformats/bases/base58";
import { CID } from "multiformats/cid";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { startCodexTestServer, type CodexTestServer } from "../support/codex-server/index.js";
import { collect, pattern } from "./codex-fixtures.js";
import { KiB, fileSha256, startClient, writeRandomFile } from "./support/client-fixture.js";
import { listenOnLoopback } from "../support/loopback-server.js";

type Render = (cid: CID) => string;

/** Forwards to `target`; the answer to `POST …/data` is re-rendered with `render`. */
async function rerenderingFront(target: CodexTestServer, render: Render): Promise<string> {
  const upstream = new URL(target.url);
  const server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = { ...req.headers };
    delete headers.connection;
    const out = request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
      const parts: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => parts.push(chunk));
      answer.on("end", () => {
        let body = Buffer.concat(parts);
        if (req.method === "POST" && (req.url ?? "").endsWith("/data") && answer.statusCode === 200) {
          body = Buffer.from(render(CID.parse(body.toString("utf8"))));
        }
        const names = { ...answer.headers };
        delete names["content-length"];
        delete names["transfer-encoding"];
        delete names.connection;
        res.writeHead(answer.statusCode ?? 502, { ...names, "content-length": body.byteLength });
        res.end(body);
      });
    });
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  return listenOnLoopback(server);
}

async function setup(render: Render): Promise<{ server: CodexTestServer; backend: CodexBackend; url: string }> {
  const server = await startCodexTestServer();
  onTestFinished(() => server.close());
  const url = await rerenderingFront(server, render);
  const backend = createCodexBackend({ url, requestTimeoutMs: 5_000 });
  onTestFinished(() => backend.close());
  return { server, backend, url };
}

const RENDERS: Array<[string, Render]> = [
  ["base32", (cid) => cid.toString(base32)],
  ["base36", (cid) => cid.toString(base36)],
];

describe("Codex backend: an upload answered with the manifest CID in another base", () => {
  test.each(RENDERS)("%s: put returns the same CID in base58btc, the form a node answers and the wire takes", async (_name, render) => {
    const { server, backend } = await setup(render);
    const bytes = pattern(50_000);
    const cid = await backend.put(bytes);
    expect(cid.startsWith("z")).toBe(true);
    expect(server.cids()).toEqual([cid]);
    expect((await collect((await backend.get(cid)).body)).equals(bytes)).toBe(true);
  });

  test("a base58btc answer is returned exactly as the node wrote it", async () => {
    const { server, backend } = await setup((cid) => cid.toString(base58btc));
    const cid = await backend.put(pattern(50_000, 2));
    expect(server.cids()).toEqual([cid]);
  });

  test("light mode: a share through such an endpoint makes a reference with base58btc piece CIDs, and reads back", async () => {
    const { server, url } = await setup((cid) => cid.toString(base32));
    const endpoint = createCodexBackend({ url, requestTimeoutMs: 5_000 });
    onTestFinished(() => endpoint.close());
    const { client, dir } = await startClient({ mode: "light", endpointOrder: "listed", backend: undefined, endpoints: [endpoint] });
    const { path } = writeRandomFile(dir, "a.bin", 100 * KiB);
    const { view, reference } = await client.share({ path }).done;
    expect(view.pieces.length).toBeGreaterThan(1);
    for (const piece of view.pieces) expect(piece.cid.startsWith("z"), piece.cid).toBe(true);
    expect(new Set(server.cids())).toEqual(new Set(view.pieces.map((piece) => piece.cid)));
    const out = `${dir}/back.bin`;
    await client.fetch(reference, { out }).done;
    expect(fileSha256(out)).toBe(fileSha256(path));
  });
});
