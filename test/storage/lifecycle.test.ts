import { randomBytes } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { StorageClient, type StorageClientOptions, type TransferProgress } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { runScript } from "../support/script-child.js";
import { tempDir } from "../support/temp-dir.js";
import { FAST_RETRY, KiB, SMALL_PIECES, fileSha256, localStore, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

/** An upload of a `size` file (32 KiB pieces, one at a time, 10 ms each) stopped once `stopAfter` pieces are stored. */
async function interruptedUpload(
  size = 320 * KiB,
  stopAfter = 2,
): Promise<{ dir: string; backend: InstrumentedBackend; options: StorageClientOptions; path: string; job: ReturnType<StorageClient["share"]> }> {
  const dir = tempDir();
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  backend.beforePut = () => new Promise((r) => setTimeout(r, 10));
  const options = { protocol: 3, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES, piecesInFlight: 1 };
  const { path } = writeRandomFile(dir, "f.bin", size);
  const first = await StorageClient.open(options);
  const job = first.share({ path });
  await new Promise<void>((resolve) => job.on("progress", (p) => p.piecesDone >= stopAfter && resolve()));
  await first.stop();
  return { dir, backend, options, path, job };
}

/** A download of a shared `size` file (32 KiB pieces, one at a time, 10 ms each) stopped once `stopAfter` pieces are written. */
async function interruptedDownload(
  size: number,
  stopAfter: number,
): Promise<{ dir: string; backend: InstrumentedBackend; options: StorageClientOptions; path: string; out: string; job: ReturnType<StorageClient["fetch"]> }> {
  const dir = tempDir();
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const options = { protocol: 3, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES, piecesInFlight: 1 };
  const { path } = writeRandomFile(dir, "f.bin", size);
  const first = await StorageClient.open(options);
  const { reference } = await first.share({ path }).done;
  backend.beforeGet = () => new Promise((r) => setTimeout(r, 10));
  const out = join(dir, "copy.bin");
  const job = first.fetch(reference, { out });
  await new Promise<void>((resolve) => job.on("progress", (p) => p.piecesDone >= stopAfter && resolve()));
  await first.stop();
  return { dir, backend, options, path, out, job };
}

/** A job's progress from now until it is done: its current value first, then every event. */
async function progressUntilDone(job: { progress: TransferProgress; on(event: "progress", listener: (p: TransferProgress) => void): unknown; done: Promise<unknown> }): Promise<TransferProgress[]> {
  const seen = [job.progress];
  job.on("progress", (p) => seen.push(p));
  await job.done;
  return seen;
}

describe("lifecycle", () => {
  test("a stopped client leaves no timer, socket or file handle: the process ends by itself", async () => {
    const probe = fileURLToPath(new URL("./support/exit-probe.ts", import.meta.url));
    const result = await runScript(probe, [], 20_000);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const last = JSON.parse(result.stdout.trim().split("\n").at(-1) as string) as { outcome: string; active: string[] };
    expect(last).toEqual({ outcome: "E_CLIENT_CLOSED", active: [] });
  });

  test("stop in the middle of an upload: done rejects with E_CLIENT_CLOSED, the journal keeps the job, the next start finishes it without re-sending stored pieces", async () => {
    const { dir, backend, options, path, job } = await interruptedUpload(640 * KiB, 5);
    await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    const db = new Database(options.statePath, { readonly: true });
    const state = (db.prepare(`SELECT state FROM upload_jobs WHERE id = ?`).get(job.id) as { state: string }).state;
    const stored = (db.prepare(`SELECT count(*) AS n FROM upload_pieces WHERE job_id = ?`).get(job.id) as { n: number }).n;
    db.close();
    expect(state).toBe("uploading");
    expect(stored).toBeGreaterThanOrEqual(5);
    expect(stored).toBeLessThan(20);

    const putsBefore = backend.puts;
    const second = await StorageClient.open(options);
    const resumed = second.job(job.id);
    const { reference } = (await resumed.done) as { reference: Uint8Array };
    expect(backend.puts - putsBefore).toBe(20 - stored);
    const out = join(dir, "copy.bin");
    await second.fetch(reference, { out }).done;
    expect(fileSha256(out)).toBe(fileSha256(path));
    expect(second.jobs().find((j) => j.id === job.id)).toMatchObject({ state: "done", attempts: 2 });
    await second.stop();
  });

  test("a resumed upload whose file is edited while it runs stops with E_SOURCE_CHANGED before it seals the edited bytes (under nonces a piece in flight at the stop may already have used on the store)", async () => {
    const { backend, options, path, job } = await interruptedUpload(640 * KiB, 5);
    await job.done.catch(() => undefined);
    const putsBefore = backend.puts;
    let edited = false;
    backend.beforePut = () => {
      if (edited) return;
      edited = true;
      // Same size, other bytes in the last piece: only reading it again can tell.
      const fd = openSync(path, "r+");
      writeSync(fd, randomBytes(32 * KiB), 0, 32 * KiB, 640 * KiB - 32 * KiB);
      closeSync(fd);
    };
    const second = await StorageClient.open(options);
    try {
      await expect(second.job(job.id).done).rejects.toMatchObject({ code: "E_SOURCE_CHANGED" });
      // The one piece read before the edit went out; nothing read after it was sealed or sent.
      expect(backend.puts - putsBefore).toBe(1);
    } finally {
      await second.stop();
    }
  });

  test("a resumed upload's progress never goes back: it starts at the pieces the journal has and counts on from there", async () => {
    const { options, job } = await interruptedUpload(640 * KiB, 5);
    await job.done.catch(() => undefined);
    const second = await StorageClient.open(options);
    try {
      const seen = await progressUntilDone(second.job(job.id));
      expect(seen[0]?.piecesDone).toBeGreaterThanOrEqual(5);
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i]?.piecesDone).toBeGreaterThanOrEqual(seen[i - 1]?.piecesDone as number);
        expect(seen[i]?.bytesDone).toBeGreaterThanOrEqual(seen[i - 1]?.bytesDone as number);
      }
      for (const p of seen) expect(p.bytesDone).toBe(Math.min(p.piecesDone * 32 * KiB, 640 * KiB));
      expect(seen.at(-1)).toEqual({ piecesDone: 20, piecesTotal: 20, bytesDone: 640 * KiB, bytesTotal: 640 * KiB });
    } finally {
      await second.stop();
    }
  });

  test("a resumed download's progress never goes back: its handle starts at the pieces the journal verified and the run counts on from there", async () => {
    const { backend, options, path, out, job } = await interruptedDownload(640 * KiB, 5);
    await job.done.catch(() => undefined);
    const db = new Database(options.statePath, { readonly: true });
    const verified = (db.prepare(`SELECT count(*) AS n FROM download_pieces WHERE job_id = ?`).get(job.id) as { n: number }).n;
    db.close();
    expect(verified).toBeGreaterThanOrEqual(4);
    expect(verified).toBeLessThan(20);
    const getsBefore = backend.gets;
    const second = await StorageClient.open(options);
    try {
      const all = await progressUntilDone(second.job(job.id));
      // Between them, reports of a piece's bytes as they arrive (bytesInFlight, upload-progress-in-flight.test.ts): never back either.
      const shown = all.map((p) => p.bytesDone + (p.bytesInFlight ?? 0));
      expect(shown).toEqual([...shown].sort((a, b) => a - b));
      const seen = all.filter((p) => p.bytesInFlight === undefined);
      expect(seen[0]).toEqual({ piecesDone: verified, piecesTotal: 20, bytesDone: verified * 32 * KiB, bytesTotal: 640 * KiB });
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i]?.piecesDone).toBeGreaterThan(seen[i - 1]?.piecesDone as number);
        expect(seen[i]?.bytesDone).toBeGreaterThan(seen[i - 1]?.bytesDone as number);
      }
      for (const p of seen) expect(p.bytesDone).toBe(Math.min(p.piecesDone * 32 * KiB, 640 * KiB));
      // One progress event per piece fetched in this run, none for the pieces read back.
      expect(seen.length - 1).toBe(backend.gets - getsBefore);
      expect(seen.at(-1)).toEqual({ piecesDone: 20, piecesTotal: 20, bytesDone: 640 * KiB, bytesTotal: 640 * KiB });
      expect(fileSha256(out)).toBe(fileSha256(path));
    } finally {
      await second.stop();
    }
  });

  test("a source changed between a stop and the resumed upload fails the job with E_SOURCE_CHANGED instead of mixing two files", async () => {
    const { dir, options, job } = await interruptedUpload();
    writeRandomFile(dir, "f.bin", 320 * KiB);
    const second = await StorageClient.open(options);
    await expect(second.job(job.id).done).rejects.toMatchObject({ code: "E_SOURCE_CHANGED" });
    expect(second.jobs()[0]).toMatchObject({ state: "failed" });
    await second.stop();
  });

  test("a source edited in place only where no piece was stored yet (same size) still fails the resume with E_SOURCE_CHANGED: no piece is sealed again under the same nonces", async () => {
    const { backend, options, path, job } = await interruptedUpload();
    const putsAtStop = backend.puts;
    // The last bytes of the file: a piece the journal does not have, so re-sealing the stored ones would not notice.
    const { openSync, writeSync, closeSync, statSync } = await import("node:fs");
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.from("edited"), 0, 6, statSync(path).size - 6);
    closeSync(fd);
    const second = await StorageClient.open(options);
    await expect(second.job(job.id).done).rejects.toMatchObject({ code: "E_SOURCE_CHANGED", message: /modified or replaced/ });
    expect(backend.puts).toBe(putsAtStop);
    await second.stop();
  });

  test("an upload resumed on another store sends every piece again there: the reference never points at two stores", async () => {
    const dir = tempDir();
    const first = new InstrumentedBackend(localStore(join(dir, "store-a")), "http://127.0.0.1/a");
    first.beforePut = () => new Promise((r) => setTimeout(r, 10));
    const base = { protocol: 3, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES, piecesInFlight: 1 };
    const { path } = writeRandomFile(dir, "f.bin", 320 * KiB);
    const a = await StorageClient.open({ ...base, backend: first });
    const job = a.share({ path });
    await new Promise<void>((resolve) => job.on("progress", (p) => p.piecesDone >= 2 && resolve()));
    await a.stop();
    expect(first.puts).toBeGreaterThanOrEqual(2);
    const second = new InstrumentedBackend(localStore(join(dir, "store-b")), "http://127.0.0.1/b");
    const b = await StorageClient.open({ ...base, backend: second });
    const { view, reference } = (await b.job(job.id).done) as { view: { pieces: { cid: string }[] }; reference: Uint8Array };
    expect(second.puts).toBe(view.pieces.length);
    for (const piece of view.pieces) expect(await second.has(piece.cid)).toBe(true);
    const out = join(dir, "copy.bin");
    await b.fetch(reference, { out }).done;
    expect(fileSha256(out)).toBe(fileSha256(path));
    await b.stop();
  });

  test("a cancelled upload forgets its source's identity; a finished one too", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const statePath = join(dir, "s.sqlite");
    const options = { protocol: 3, backend, statePath, dataDir: join(dir, "d"), renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES, piecesInFlight: 1 };
    const client = await StorageClient.open(options);
    await client.share({ path: writeRandomFile(dir, "a.bin", 100 * KiB).path }).done;
    backend.beforePut = () => new Promise((r) => setTimeout(r, 20));
    const pending = client.share({ path: writeRandomFile(dir, "b.bin", 320 * KiB).path });
    await new Promise<void>((resolve) => pending.on("progress", () => resolve()));
    pending.cancel();
    await expect(pending.done).rejects.toMatchObject({ code: "E_ABORTED" });
    await client.stop();
    const Database = (await import("better-sqlite3")).default;
    const db = new Database(statePath, { readonly: true });
    try {
      expect(db.prepare(`SELECT count(*) AS n FROM settings WHERE key LIKE 'upload-source%' OR key LIKE 'upload-store:%'`).get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  test("cancel: the job becomes cancelled for good and a download leaves no temp file", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const options = { protocol: 3, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, retry: FAST_RETRY, ...SMALL_PIECES, piecesInFlight: 1 };
    const client = await StorageClient.open(options);
    const { reference } = await client.share({ path: writeRandomFile(dir, "f.bin", 320 * KiB).path }).done;
    backend.beforeGet = () => new Promise((r) => setTimeout(r, 20));
    const download = client.fetch(reference, { out: join(dir, "out", "f.bin") });
    await new Promise<void>((resolve) => download.on("progress", () => resolve()));
    download.cancel();
    await expect(download.done).rejects.toMatchObject({ code: "E_ABORTED" });
    expect(client.jobs().find((j) => j.id === download.id)?.state).toBe("cancelled");
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(join(dir, "out"))).toEqual([]);
    expect(() => client.retry(download.id)).toThrow(expect.objectContaining({ code: "E_UNSUPPORTED" }));
    await client.stop();
    await expect(Promise.resolve().then(() => client.share({ path: join(dir, "f.bin") }))).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
  });

  test("job(id) of an unknown id is E_JOB_UNKNOWN; a finished job's handle is rebuilt from the journal after a restart", async () => {
    const dir = tempDir();
    const backend = localStore(join(dir, "store"));
    const options = { protocol: 3, backend, statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, ...SMALL_PIECES };
    const a = await StorageClient.open(options);
    const shared = await a.share({ path: writeRandomFile(dir, "f.bin", 50 * KiB).path }).done;
    await a.stop();
    const b = await StorageClient.open(options);
    expect(() => b.job("nope")).toThrow(expect.objectContaining({ code: "E_JOB_UNKNOWN" }));
    const again = (await b.job(shared.jobId).done) as { reference: Uint8Array };
    expect(Buffer.from(again.reference).equals(Buffer.from(shared.reference))).toBe(true);
    await b.stop();
  });

  test("an unfinished upload whose journaled sizes this client cannot plan (a corrupt row, or one a newer release wrote) fails with a typed error at start: no unhandled rejection, and job(id) gives its handle", async () => {
    const { options, job } = await interruptedUpload();
    const db = new Database(options.statePath as string);
    db.prepare("UPDATE upload_jobs SET chunk_size = 0 WHERE id = ?").run(job.id);
    db.close();
    const again = await StorageClient.open(options);
    try {
      const error = await again.job(job.id).done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      // Not a decryption failure: nothing was decrypted, the journal holds sizes this build cannot use.
      expect((error as StorageError).code).toBe("E_UNSUPPORTED");
      expect((error as StorageError).message).not.toMatch(/decryption/);
      expect(again.jobs().find((j) => j.id === job.id)).toMatchObject({ state: "failed" });
    } finally {
      await again.stop();
    }
  });
});
