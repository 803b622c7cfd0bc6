/**
 * A Codex REST API test server on 127.0.0.1, answering as the nim-codex / logos-storage-nim REST
 * code does (openapi.yaml plus rest/api.nim, where the two differ the code wins; see
 * docs/codex-backend.md):
 *
 * - `POST /data` streams the body to disk, returns the manifest CID as text/plain (`zDvZ…`,
 *   CIDv1, codec 0xCD01, sha2-256; identical bytes give the identical CID); an empty body gets
 *   500 "Empty leaves"; a Content-Type that is not a bare `type/subtype` gets 422 (see mime-type.ts).
 * - `GET /data/{cid}/network/stream` and `GET /data/{cid}` stream with Content-Length = datasetSize.
 * - `/network/manifest` and `POST /network` answer DataItem JSON; `/exists` answers `{"<cid>": bool}`
 *   (or `{"has": bool}`); `/space`; `DELETE` is 204 even for absent content.
 * - `/peerid`, `/spr` (503 while `behaviour.sprReady` is false), `/connect/{peerId}`, `/debug/info`,
 *   `POST /debug/chronicles/loglevel`; the marketplace routes answer 503 "Persistence is not
 *   enabled" under /api/codex/v1 and are unknown under /api/storage/v1 (see node-routes.ts).
 * - Errors are plain text labelled text/html (400 "Incorrect Cid" for any CID nim-libp2p's Cid.init
 *   refuses, see node-cid.ts; a local download's 404 "The requested CID …"; for content no peer has,
 *   the node's last word once its block retries ran out, without the wait: 500 "Error retries
 *   exhausted" on a network download, 404 on manifest and fetch; a download's errors labelled
 *   `text/html; charset=utf-8`); a path no route takes is presto's bare 404 (no Content-Type); OPTIONS on `/data`
 *   and `/data/{cid}` is the CORS preflight's 204.
 * - Every answer says `Connection: close` and the connection ends with it, as a node's REST server
 *   (chronos without Http11Pipeline) does; `keepAlive: true` keeps connections open between requests
 *   (downloads still end theirs), as a reverse proxy in front of a node would.
 * - Both prefixes (`/api/codex/v1`, `/api/storage/v1`) unless told otherwise.
 *
 * Usage:
 *   const server = await startCodexTestServer();
 *   const backend = createCodexBackend({ url: server.url, apiPrefix: "/api/storage/v1" });
 *   server.inject("download", { kind: "truncate", afterBytes: 1000 });   // next download stops early
 *   server.behaviour.existsShape = "has";
 *   ...
 *   await server.close();
 */
export { startCodexTestServer, CODEX_PREFIX, LOGOS_STORAGE_PREFIX } from "./codex-test-server.js";
export type { CodexTestServer, CodexTestServerOptions, CodexServerBehaviour, CodexServerStats } from "./codex-test-server.js";
export type { CodexRoute, ServerFault } from "./faults.js";
export { CODEX_MANIFEST_CODEC, CODEX_BLOCK_CODEC, CODEX_ROOT_CODEC, DEFAULT_BLOCK_SIZE } from "./dataset-hasher.js";
