/**
 * A real Codex node counts only newly stored blocks against its quota (nim-codex repostore
 * `putBlock` returns early for a block it already has, so a full node still accepts, and re-times,
 * a dataset it holds). The test server must do the same, or tests built on it assume a full node
 * refuses what a real one accepts.
 */
import { CID } from "multiformats/cid";
import { describe, expect, onTestFinished, test } from "vitest";
import { startCodexTestServer, CODEX_BLOCK_CODEC, CODEX_PREFIX, type CodexTestServer } from "../support/codex-server/index.js";
import { pattern } from "./codex-fixtures.js";

async function started(quotaMaxBytes: number): Promise<CodexTestServer> {
  const server = await startCodexTestServer({ quotaMaxBytes });
  onTestFinished(() => server.close());
  return server;
}

function upload(server: CodexTestServer, body: Uint8Array, filename?: string): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/octet-stream" };
  if (filename !== undefined) headers["content-disposition"] = `attachment; filename="${filename}"`;
  return fetch(`${server.url}${CODEX_PREFIX}/data`, { method: "POST", body, headers });
}

async function space(server: CodexTestServer): Promise<Record<string, number>> {
  return (await (await fetch(`${server.url}${CODEX_PREFIX}/space`)).json()) as Record<string, number>;
}

describe("Codex test server: a full quota counts only new bytes", () => {
  test("a full server accepts a re-upload of a dataset it holds (same CID, usage unchanged) and refuses a new one with the node's 500 'Unable to store block <block CID>'", async () => {
    const server = await started(100_000);
    const held = pattern(90_000, 3);
    const first = await upload(server, held);
    expect(first.status).toBe(200);
    const cid = await first.text();
    const before = await space(server);

    const again = await upload(server, held);
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(cid);
    expect(await space(server)).toEqual(before);

    const other = await upload(server, pattern(90_000, 4));
    expect(other.status).toBe(500);
    // nim-codex node.nim store(): &"Unable to store block {blk.cid}", the data block that did not fit.
    const text = await other.text();
    expect(text).toMatch(/^Unable to store block z[1-9A-HJ-NP-Za-km-z]+$/);
    expect(CID.parse(text.slice("Unable to store block ".length)).code).toBe(CODEX_BLOCK_CODEC);
    expect(server.cids()).toEqual([cid]);
    expect(await space(server)).toEqual(before);
  });

  test("a full server accepts the held bytes under another filename (only the small manifest is new)", async () => {
    const server = await started(100_000);
    const held = pattern(99_000, 5);
    expect((await upload(server, held, "a.bin")).status).toBe(200);
    const again = await upload(server, held, "b.bin");
    expect(again.status).toBe(200);
    expect(server.cids()).toHaveLength(2);
    const res = await fetch(`${server.url}${CODEX_PREFIX}/data/${await again.text()}/network/stream`);
    expect(Buffer.from(await res.arrayBuffer()).equals(held)).toBe(true);
  });
});

describe("Codex test server: the manifest counts too", () => {
  test("a new dataset whose data fits the room but whose manifest block does not is refused, as the node stores the manifest as a block under the same quota", async () => {
    const server = await started(100_000);
    const res = await upload(server, pattern(99_990, 6));
    expect(res.status).toBe(500);
    // storeManifest passes on the repo's own words (repostore updateQuotaUsage); used counts the data blocks just written.
    expect(await res.text()).toMatch(/^Quota usage would exceed the limit\. Used: \d+, reserved: 0, limit: 100000$/);
    expect(server.cids()).toEqual([]);
    expect((await space(server))["quotaUsedBytes"]).toBe(0);
  });
});

describe("Codex test server: concurrent uploads share the quota", () => {
  test("of two new datasets uploaded at once that fit the room one at a time but not together, one is refused", async () => {
    const server = await started(100_000);
    const { request } = await import("node:http");
    const send = (body: Buffer) => {
      const req = request(`${server.url}${CODEX_PREFIX}/data`, { method: "POST", headers: { "content-type": "application/octet-stream" } });
      const answer = new Promise<number>((resolve, reject) => {
        req.once("response", (res) => {
          res.resume();
          res.once("end", () => resolve(res.statusCode ?? 0));
        });
        req.once("error", reject);
      });
      req.write(body.subarray(0, 1_000));
      return { finish: () => req.end(body.subarray(1_000)), answer };
    };
    const a = send(pattern(60_000, 7));
    const b = send(pattern(60_000, 8));
    // Both have begun before either ends, as two shares do on one node.
    await new Promise((resolve) => setTimeout(resolve, 100));
    a.finish();
    b.finish();
    expect([await a.answer, await b.answer].sort()).toEqual([200, 500]);
    expect(server.cids()).toHaveLength(1);
    expect((await space(server))["quotaUsedBytes"]).toBeLessThanOrEqual(100_000);
  });
});
