/**
 * A Codex node whose storage is full refuses every upload (E_QUOTA_EXCEEDED, "Unable to store block
 * …") until space is freed, which takes a person, not seconds. A renewal run stored every due piece
 * again on it in turn, each refused: on a phone, every due piece's bytes sent over metered data each
 * run, for nothing. Once a piece is refused by every endpoint for a full store, the run reports the
 * pieces it has not tried yet failed with that code (as it does offline); the next run tries again.
 */
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { KiB, startClient, writeRandomFile } from "./support/client-fixture.js";
import { codexSetup } from "./codex-fixtures.js";

const DAY = 24 * 60 * 60 * 1000;

describe("renewal on a Codex node whose storage is full", () => {
  test("stores one piece, not every due piece, and reports the others failed E_QUOTA_EXCEEDED; renews them all once the node has room", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 5_000 });
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t } });
    const shared = await client.share({ path: writeRandomFile(dir, "album.zip", 160 * KiB).path }).done;
    const pieces = shared.view.pieces.map((p) => p.cid);
    expect(pieces.length).toBe(5);
    clock.t += 28 * DAY;
    server.inject("upload", { kind: "status", status: 500, body: "Unable to store block zDzSvJTezk7bJNQqFq1T2rWa8ncTrVCSbgdYwNXTCqLaVjxfnRtj" }, { times: 1_000 });
    const uploads = server.stats.byRoute.upload ?? 0;
    const full = await client.renewDue();
    expect(full.renewed).toEqual([]);
    expect(full.failed.map((f) => f.cid).sort()).toEqual([...pieces].sort());
    expect(new Set(full.failed.map((f) => f.code))).toEqual(new Set(["E_QUOTA_EXCEEDED"]));
    expect((server.stats.byRoute.upload ?? 0) - uploads).toBe(1);

    // Space freed on the node: the next run renews every piece.
    server.clearFaults();
    const renewed = await client.renewDue();
    expect(renewed.failed).toEqual([]);
    expect([...renewed.renewed].sort()).toEqual([...pieces].sort());
  });
});
