/**
 * Light mode spreads an upload's pieces over its endpoints, and the journal does not say which
 * endpoint took which piece. An upload resumed after the application changed its endpoint list must
 * therefore not finish with a reference to pieces that only an endpoint it dropped holds; one whose
 * list only grew must not send again what it already sent.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { StorageClient } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, KiB, SMALL_PIECES, fileSha256, localStore, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

function endpoint(dir: string, name: string): InstrumentedBackend {
  return new InstrumentedBackend(localStore(join(dir, name)), `http://127.0.0.1/${name}`);
}

async function interruptedShare(dir: string, endpoints: InstrumentedBackend[]) {
  const base = { protocol: 3, mode: "light" as const, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES, piecesInFlight: 1 };
  for (const e of endpoints) e.beforePut = () => new Promise((r) => setTimeout(r, 10));
  const { path } = writeRandomFile(dir, "f.bin", 320 * KiB);
  const first = await StorageClient.open({ ...base, endpoints });
  const job = first.share({ path });
  await new Promise<void>((resolve) => job.on("progress", (p) => p.piecesDone >= 2 && resolve()));
  await first.stop();
  for (const e of endpoints) e.beforePut = undefined;
  return { base, path, jobId: job.id };
}

describe("light mode: an upload resumed with other endpoints", () => {
  test("resumed without the endpoint that took its first pieces, it sends those again: the reference reads back from the endpoints it has now", async () => {
    const dir = tempDir();
    const a = endpoint(dir, "a");
    const { base, path, jobId } = await interruptedShare(dir, [a]);
    const b = endpoint(dir, "b");
    const client = await StorageClient.open({ ...base, endpoints: [b] });
    try {
      const { reference, view } = (await client.job(jobId).done) as { reference: Uint8Array; view: { pieces: { cid: string }[] } };
      for (const piece of view.pieces) expect(await b.has(piece.cid)).toBe(true);
      const out = join(dir, "copy.bin");
      await client.fetch(reference, { out }).done;
      expect(fileSha256(out)).toBe(fileSha256(path));
    } finally {
      await client.stop();
    }
  });

  test("resumed with one more endpoint, it sends only the pieces it had not sent", async () => {
    const dir = tempDir();
    const a = endpoint(dir, "a");
    const { base, jobId } = await interruptedShare(dir, [a]);
    const sentBefore = a.puts;
    const b = endpoint(dir, "b");
    const client = await StorageClient.open({ ...base, endpoints: [a, b] });
    try {
      const { view } = (await client.job(jobId).done) as { view: { pieces: unknown[] } };
      // Pieces journaled before the stop are not sent again (at most the one in flight then is).
      expect(a.puts - sentBefore + b.puts).toBeLessThanOrEqual(view.pieces.length - sentBefore + 1);
    } finally {
      await client.stop();
    }
  });

  test("an endpoint list that grew and then lost the first endpoint still counts every endpoint that may hold pieces", async () => {
    const dir = tempDir();
    const a = endpoint(dir, "a");
    const { base, path, jobId } = await interruptedShare(dir, [a]);
    // A second run with [a, b] that stops again, then a third with [b] only.
    const b = endpoint(dir, "b");
    a.beforePut = () => new Promise((r) => setTimeout(r, 10));
    const second = await StorageClient.open({ ...base, endpoints: [a, b] });
    await new Promise<void>((resolve) => second.job(jobId).on("progress", (p) => p.piecesDone >= 4 && resolve()));
    await second.stop();
    a.beforePut = undefined;
    const c = endpoint(dir, "c");
    const third = await StorageClient.open({ ...base, endpoints: [c] });
    try {
      const { reference, view } = (await third.job(jobId).done) as { reference: Uint8Array; view: { pieces: { cid: string }[] } };
      for (const piece of view.pieces) expect(await c.has(piece.cid)).toBe(true);
      const out = join(dir, "copy.bin");
      await third.fetch(reference, { out }).done;
      expect(fileSha256(out)).toBe(fileSha256(path));
    } finally {
      await third.stop();
    }
  });
});
