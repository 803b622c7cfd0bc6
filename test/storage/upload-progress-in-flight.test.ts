/**
 * docs/storage.md (Quick start, TransferJob): an app renders `progress`. bytesDone moves a piece at a
 * time (4 MiB by default), so a photo of one piece showed 0 % until it jumped to 100 % (on a phone's
 * uplink, minutes of a bar that did not move), and a 9 MiB file three steps. An upload's progress now
 * also says `bytesInFlight`: the plaintext bytes of the pieces on their way that the transport has
 * taken, as the Codex backend reports them per 64 KiB slice; a download's, those that have arrived.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { TransferProgress } from "../../src/storage/index.js";
import { codexSetup } from "./codex-fixtures.js";
import { KiB, MiB, startClient } from "./support/client-fixture.js";

const ONE_PIECE = { pieceSize: 4 * MiB, chunkSize: 64 * KiB } as const;

describe("an upload's progress while its piece is on its way", () => {
  test("through the Codex backend: bytesInFlight moves within the one piece, and the last report is the whole file with none in flight", async () => {
    const { backend } = await codexSetup();
    const { client } = await startClient({ backend, ...ONE_PIECE });
    const size = 3 * MiB;
    const seen: TransferProgress[] = [];
    const job = client.share({ bytes: new Uint8Array(size).fill(5), fileName: "photo.jpg" });
    job.on("progress", (p) => seen.push(p));
    await job.done;
    const during = seen.filter((p) => p.piecesDone === 0 && (p.bytesInFlight ?? 0) > 0);
    // Before: one report only, piecesDone 1 (nothing between 0 and the whole file).
    expect(during.length).toBeGreaterThan(4);
    for (const p of during) expect(p.bytesInFlight).toBeLessThanOrEqual(size);
    const shown = during.map((p) => p.bytesDone + (p.bytesInFlight ?? 0));
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
    // Nothing in flight: absent, the report as it was.
    expect(seen.at(-1)).toEqual({ piecesDone: 1, piecesTotal: 1, bytesDone: size, bytesTotal: size });
  });

  test("on the local store, which does not report a put's bytes: none in flight, pieces as before", async () => {
    const { client } = await startClient({ pieceSize: 256 * KiB, chunkSize: 64 * KiB });
    const seen: TransferProgress[] = [];
    const job = client.share({ bytes: new Uint8Array(MiB).fill(7), fileName: "a.bin" });
    job.on("progress", (p) => seen.push(p));
    await job.done;
    expect(seen.filter((p) => "bytesInFlight" in p)).toEqual([]);
    expect(seen.at(-1)).toMatchObject({ piecesDone: 4, bytesDone: MiB, bytesTotal: MiB });
  });
});

describe("a download's progress while its piece is on its way", () => {
  test("through the Codex backend: bytesInFlight moves as the piece's chunks arrive, and the last report is the whole file with none in flight", async () => {
    const { backend } = await codexSetup();
    const { client, dir } = await startClient({ backend, ...ONE_PIECE });
    const size = 3 * MiB;
    const { reference } = await client.share({ bytes: new Uint8Array(size).fill(9), fileName: "photo.jpg" }).done;
    const seen: TransferProgress[] = [];
    const job = client.fetch(reference, { out: join(dir, "copy.jpg") });
    job.on("progress", (p) => seen.push(p));
    await job.done;
    const during = seen.filter((p) => p.piecesDone === 0 && (p.bytesInFlight ?? 0) > 0);
    // Before: one report only, piecesDone 1.
    expect(during.length).toBeGreaterThan(1);
    const shown = during.map((p) => p.bytesDone + (p.bytesInFlight ?? 0));
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
    expect(Math.max(...shown)).toBeLessThanOrEqual(size);
    expect(seen.at(-1)).toEqual({ piecesDone: 1, piecesTotal: 1, bytesDone: size, bytesTotal: size });
  });
});
