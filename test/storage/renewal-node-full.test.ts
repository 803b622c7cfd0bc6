/**
 * A Codex node whose storage is full refuses every block it lacks (E_QUOTA_EXCEEDED, "Unable to store
 * block …") until space is freed, which takes a person, not seconds; a block it holds it stores again
 * without room, keeping the later expiry (nim-codex repostore putBlock counts only newly stored
 * blocks). A renewal run stored every due piece the node lost again on it in turn, each refused: on a
 * phone, every due piece's bytes sent over metered data each run, for nothing. Once a piece is refused
 * by every endpoint for a full store, the run reports the pieces the node lacks failed with that code
 * unsent (as it does offline); the next run tries again. The node here is the test server with a real
 * quota, filled by another dataset (it used to be a 500 injected on every upload, a node refusing even
 * what it holds, which a real node does not do).
 */
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import { codexSetup, pattern } from "./codex-fixtures.js";
import { CODEX_PREFIX, type CodexTestServer } from "../support/codex-server/index.js";

const DAY = 24 * 60 * 60 * 1000;
const QUOTA = 256 * KiB;

async function quotaUsed(server: CodexTestServer): Promise<number> {
  const space = (await (await fetch(`${server.url}${CODEX_PREFIX}/space`)).json()) as { quotaUsedBytes: number };
  return space.quotaUsedBytes;
}

/** The node loses a dataset (swept, or removed by its operator). */
async function drop(server: CodexTestServer, cid: string): Promise<void> {
  expect((await fetch(`${server.url}${CODEX_PREFIX}/data/${cid}`, { method: "DELETE" })).status).toBe(204);
}

/** Uploads another dataset that leaves the node less room than one piece; answers its CID. */
async function fillNode(server: CodexTestServer): Promise<string> {
  const filler = pattern(QUOTA - (await quotaUsed(server)) - 1_024, 99);
  const res = await fetch(`${server.url}${CODEX_PREFIX}/data`, { method: "POST", body: filler, headers: { "content-type": "application/octet-stream" } });
  expect(res.status).toBe(200);
  return res.text();
}

async function shareAlbum(server: CodexTestServer, backend: Awaited<ReturnType<typeof codexSetup>>["backend"]) {
  const dir = tempDir();
  const clock = { t: Date.UTC(2026, 0, 1) };
  const { client } = await startClient({ dir, backend, clock: { now: () => clock.t } });
  const shared = await client.share({ path: writeRandomFile(dir, "album.zip", 160 * KiB).path }).done;
  const pieces = shared.view.pieces.map((p) => p.cid);
  expect(pieces.length).toBe(5);
  expect(server.cids().sort()).toEqual([...pieces].sort());
  return { client, clock, pieces };
}

describe("renewal on a Codex node whose storage is full", () => {
  test("of the pieces the node lost, stores one, not every due piece, and reports the others failed E_QUOTA_EXCEEDED; renews them all once the node has room", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 5_000 }, { quotaMaxBytes: QUOTA });
    const { client, clock, pieces } = await shareAlbum(server, backend);
    for (const cid of pieces) await drop(server, cid);
    const filler = await fillNode(server);
    clock.t += 28 * DAY;
    const uploads = server.stats.byRoute.upload ?? 0;
    const full = await client.renewDue();
    expect(full.renewed).toEqual([]);
    expect(full.failed.map((f) => f.cid).sort()).toEqual([...pieces].sort());
    expect(new Set(full.failed.map((f) => f.code))).toEqual(new Set(["E_QUOTA_EXCEEDED"]));
    expect((server.stats.byRoute.upload ?? 0) - uploads).toBe(1);

    // Space freed on the node: the next run renews every piece.
    await drop(server, filler);
    const renewed = await client.renewDue();
    expect(renewed.failed).toEqual([]);
    expect([...renewed.renewed].sort()).toEqual([...pieces].sort());
    expect(server.cids().sort()).toEqual([...pieces].sort());
    await client.stop();
  });

  test("renews every piece the full node still holds", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 5_000 }, { quotaMaxBytes: QUOTA });
    const { client, clock, pieces } = await shareAlbum(server, backend);
    await fillNode(server);
    clock.t += 28 * DAY;
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect([...report.renewed].sort()).toEqual([...pieces].sort());
    await client.stop();
  });
});
