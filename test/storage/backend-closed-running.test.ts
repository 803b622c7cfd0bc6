/**
 * The application closes the backend it passed while the client keeps running (it tears its Codex
 * connection down, or closes its local store) and an upload is on its way. That run ends with
 * E_CLIENT_CLOSED, and the job must end in a state the API documents, from which retry() runs it
 * again (once there is a backend to run on) and which the next start resumes. It stayed
 * `uploading` instead for the rest of the session: its handle said uploading, job(id) gave a handle
 * that never settled, and retry() threw E_UNSUPPORTED ("uploading; it cannot become queued").
 */
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import Database from "better-sqlite3";
import { pendingUploadsOf, StorageClient, type ShareResult } from "../../src/storage/index.js";
import { localStore, SMALL_PIECES, writeRandomFile, fileSha256, sha256Hex } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { Reconnectable } from "./support/reconnectable-backend.js";
import { reopenable } from "./support/reopenable-client.js";
import { tempDir } from "../support/temp-dir.js";

/** A client whose upload of a 5-piece photo is cut short by its backend closing under it, the client still running. */
async function uploadCutShort(dir: string) {
  const first = new InstrumentedBackend(localStore(join(dir, "store")));
  const backend = new Reconnectable(first);
  let puts = 0;
  let arrive!: () => void;
  const onItsWay = new Promise<void>((resolve) => (arrive = resolve));
  first.beforePut = () => (++puts === 2 ? onItsWay : undefined);
  const a = await StorageClient.open({ ...reopenable(dir, first), backend });
  const { path, bytes } = writeRandomFile(dir, "photo.jpg", 5 * SMALL_PIECES.pieceSize);
  const job = a.share({ path });
  await vi.waitFor(() => expect(puts).toBeGreaterThanOrEqual(2), { timeout: 5_000 });
  await first.close();
  arrive();
  await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
  return { a, backend, job, bytes, path };
}

describe("a backend closed under a running client", () => {
  test("the upload it cut short ends failed (E_CLIENT_CLOSED); retry() runs it again once the backend is open again", async () => {
    const dir = tempDir();
    const { a, backend, job, bytes } = await uploadCutShort(dir);
    try {
      expect(job.state).toBe("failed");
      const row = a.jobs().find((j) => j.id === job.id);
      expect(row).toMatchObject({ state: "failed", lastError: expect.stringMatching(/^E_CLIENT_CLOSED: /) });
      // job(id) settles: it is not a handle waiting for a run that never comes.
      await expect(a.job(job.id).done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
      // Still closed: the retry fails the same way, and may be asked again.
      const early = a.retry(job.id);
      await expect(early.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
      expect(early.state).toBe("failed");
      // The application opens its connection again.
      backend.inner = localStore(join(dir, "store"));
      const { reference } = (await a.retry(job.id).done) as ShareResult;
      const out = join(dir, "back.jpg");
      await a.fetch(reference, { out }).done;
      expect(fileSha256(out)).toBe(sha256Hex(bytes));
    } finally {
      await a.stop();
    }
  });

  test("without a retry, the next start resumes it and completes it", async () => {
    const dir = tempDir();
    const { a, job, bytes, path } = await uploadCutShort(dir);
    expect(job.state).toBe("failed");
    await a.stop();
    // What the CLI reads before a client starts, to resume or cancel: the next start resumes it, so it is pending.
    const db = new Database(join(dir, "s.sqlite"), { readonly: true });
    try {
      expect(pendingUploadsOf(db, path).map((p) => p.id)).toEqual([job.id]);
    } finally {
      db.close();
    }

    const b = await StorageClient.open(reopenable(dir, new InstrumentedBackend(localStore(join(dir, "store")))));
    try {
      const { reference } = (await b.job(job.id).done) as ShareResult;
      const out = join(dir, "back.jpg");
      await b.fetch(reference, { out }).done;
      expect(fileSha256(out)).toBe(sha256Hex(bytes));
    } finally {
      await b.stop();
    }
  });

  /** A client whose download of a 6-piece photo is cut short by its backend closing under it, the client still running. */
  async function downloadCutShort(dir: string) {
    const sender = await StorageClient.open(reopenable(join(dir, "sender"), new InstrumentedBackend(localStore(join(dir, "store")))));
    const { path, bytes } = writeRandomFile(dir, "photo.jpg", 6 * SMALL_PIECES.pieceSize);
    const { reference } = (await sender.share({ path }).done) as ShareResult;
    await sender.stop();

    const first = new InstrumentedBackend(localStore(join(dir, "store")));
    const backend = new Reconnectable(first);
    let gets = 0;
    let arrive!: () => void;
    const onItsWay = new Promise<void>((resolve) => (arrive = resolve));
    first.beforeGet = () => (++gets === 4 ? onItsWay : undefined);
    const a = await StorageClient.open({ ...reopenable(dir, first), backend });
    const out = join(dir, "back.jpg");
    const job = a.fetch(reference, { out });
    await vi.waitFor(() => expect(gets).toBeGreaterThanOrEqual(4), { timeout: 5_000 });
    await first.close();
    arrive();
    await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    return { a, backend, job, bytes, out };
  }

  test("a download it cut short ends failed, keeps the pieces it verified, and retry() fetches only the others", async () => {
    const dir = tempDir();
    const { a, backend, job, bytes, out } = await downloadCutShort(dir);
    try {
      expect(job.state).toBe("failed");
      const verified = job.progress.piecesDone;
      expect(verified).toBeGreaterThan(0);

      const second = new InstrumentedBackend(localStore(join(dir, "store")));
      backend.inner = second;
      await a.retry(job.id).done;
      expect(fileSha256(out)).toBe(sha256Hex(bytes));
      expect(second.gets).toBe(6 - verified);
    } finally {
      await a.stop();
    }
  });

  test("a download it cut short is resumed by the next start, from the pieces it verified", async () => {
    const dir = tempDir();
    const { a, job, bytes, out } = await downloadCutShort(dir);
    const verified = job.progress.piecesDone;
    expect(verified).toBeGreaterThan(0);
    await a.stop();

    const second = new InstrumentedBackend(localStore(join(dir, "store")));
    const b = await StorageClient.open(reopenable(dir, second));
    try {
      await b.job(job.id).done;
      expect(fileSha256(out)).toBe(sha256Hex(bytes));
      expect(second.gets).toBe(6 - verified);
    } finally {
      await b.stop();
    }
  });
});
