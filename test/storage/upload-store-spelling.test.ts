import { renameSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { StorageClient, type StorageClientOptions } from "../../src/storage/index.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, KiB, SMALL_PIECES, fileSha256, localStore, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/**
 * The journal ties an upload's stored pieces to the store's kind and location as given
 * (`upload-store:<id>`): the local store's `dir` spelled otherwise (through a link), or the folder
 * moved with its blocks (an app's data folder moved), is another location, though the store holds
 * the pieces. A resumed run sends only the pieces the store it now has lacks.
 */
describe("an upload resumed on the same store's blocks under another location", () => {
  async function interrupted(dir: string): Promise<{ path: string; id: string; journaled: number; base: Omit<StorageClientOptions, "backend"> }> {
    const first = new InstrumentedBackend(localStore(join(dir, "store")));
    first.beforePut = () => new Promise((r) => setTimeout(r, 10));
    const base: Omit<StorageClientOptions, "backend"> = { protocol: 3, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES, piecesInFlight: 1 };
    const { path } = writeRandomFile(dir, "f.bin", 320 * KiB);
    const a = await StorageClient.open({ ...base, backend: first });
    const job = a.share({ path });
    await new Promise<void>((resolve) => job.on("progress", (p) => p.piecesDone >= 3 && resolve()));
    await a.stop();
    const db = new Database(join(dir, "s.sqlite"), { readonly: true });
    try {
      const journaled = db.prepare(`SELECT count(*) FROM upload_pieces WHERE job_id = ?`).pluck().get(job.id) as number;
      return { path, id: job.id, journaled, base };
    } finally {
      db.close();
    }
  }

  async function resumeOn(storeDir: string, run: Awaited<ReturnType<typeof interrupted>>, dir: string): Promise<void> {
    const second = new InstrumentedBackend(localStore(storeDir));
    const b = await StorageClient.open({ ...run.base, backend: second });
    try {
      const { view, reference } = (await b.job(run.id).done) as { view: { pieces: { cid: string }[] }; reference: Uint8Array };
      expect(run.journaled).toBeGreaterThanOrEqual(3);
      expect(second.puts).toBe(view.pieces.length - run.journaled);
      const out = join(dir, "copy.bin");
      await b.fetch(reference, { out }).done;
      expect(fileSha256(out)).toBe(fileSha256(run.path));
    } finally {
      await b.stop();
    }
  }

  test("its dir given through a link to the same folder: the pieces the store holds are not sent again", async () => {
    const dir = tempDir();
    const run = await interrupted(dir);
    symlinkSync(join(dir, "store"), join(dir, "store-link"));
    await resumeOn(join(dir, "store-link"), run, dir);
  });

  test("its folder moved with its blocks: the pieces the store holds are not sent again", async () => {
    const dir = tempDir();
    const run = await interrupted(dir);
    renameSync(join(dir, "store"), join(dir, "moved-store"));
    await resumeOn(join(dir, "moved-store"), run, dir);
  });
});
