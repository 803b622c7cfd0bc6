/**
 * A release engineer's upgrade and rollback with work in flight: release N's client stops with an
 * upload and a download half-way (pieces stored, pieces verified into the temp file, a spooled
 * share); release N+1's client opens the same state database and data directory, and the reverse
 * (N opens what N+1 left, at its level when the compat level allows it, or after `migrate down`).
 * Every unfinished job must finish, without sending a stored piece again or fetching a verified
 * one again, and what each client returns must be what its own release writes.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { migrateState } from "../../src/state/index.js";
import { StorageClient, type ShareResult, type StorageClientOptions } from "../../src/storage/index.js";
import { decodeFileReference, encodeFileReference } from "../../src/wire/index.js";
import { tempDir } from "../support/temp-dir.js";
import { until } from "../support/until.js";
import { FAST_RETRY, KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const PIECES = { chunkSize: 4 * KiB, pieceSize: 16 * KiB } as const;
const FILE_BYTES = 16 * 16 * KiB + 5; // 17 pieces

function rows(statePath: string, sql: string): number {
  const db = new Database(statePath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
}

interface Interrupted {
  dir: string;
  backend: InstrumentedBackend;
  options: (protocol: number, sizes?: { chunkSize: number; pieceSize: number }) => StorageClientOptions;
  upload: { id: string; bytes: Buffer; storedBefore: number };
  spooled: { id: string; bytes: Buffer };
  download: { id: string; bytes: Buffer; out: string; verifiedBefore: number };
}

/**
 * Release `protocol`'s client stops with an upload and a download half-way and a spooled share
 * queued; returns what the next client needs to check the resume.
 */
async function interruptedAt(protocol: number): Promise<Interrupted> {
  const dir = tempDir("scc-release-switch-");
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  // A peer of the same release shared a file this client fetches.
  const peer = await startClient({ protocol, backend, dir: join(dir, "peer"), ...PIECES });
  const received = writeRandomFile(peer.dir, "received.bin", FILE_BYTES);
  const { reference } = await peer.client.share({ path: received.path }).done;

  const options = (p: number, sizes: { chunkSize: number; pieceSize: number } = PIECES): StorageClientOptions => ({
    protocol: p,
    backend,
    statePath: join(dir, "state.sqlite"),
    dataDir: join(dir, "data"),
    renewEveryMs: 0,
    retry: FAST_RETRY,
    piecesInFlight: 1,
    jobsInFlight: 1,
    ...sizes,
  });
  const slow = (): Promise<void> => new Promise((r) => setTimeout(r, 40));
  backend.beforePut = slow;
  backend.beforeGet = slow;
  const a = await StorageClient.open(options(protocol));
  const sent = writeRandomFile(dir, "sent.bin", FILE_BYTES);
  const upload = a.share({ path: sent.path });
  const spooledBytes = randomBytes(40 * KiB);
  const spooled = a.share({ bytes: spooledBytes, fileName: "spooled.bin" });
  const out = join(dir, "got.bin");
  const download = a.fetch(reference, { out });
  const statePath = join(dir, "state.sqlite");
  await until(() => rows(statePath, `SELECT count(*) FROM upload_pieces`) >= 3 && rows(statePath, `SELECT count(*) FROM download_pieces`) >= 3, "pieces journaled both ways", { tries: 2_000, everyMs: 5 });
  await a.stop();
  for (const job of [upload, spooled, download]) await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
  backend.beforePut = undefined;
  backend.beforeGet = undefined;
  return {
    dir,
    backend,
    options,
    upload: { id: upload.id, bytes: sent.bytes, storedBefore: rows(statePath, `SELECT count(*) FROM upload_pieces WHERE job_id = '${upload.id}'`) },
    spooled: { id: spooled.id, bytes: spooledBytes },
    download: { id: download.id, bytes: received.bytes, out, verifiedBefore: rows(statePath, `SELECT count(*) FROM download_pieces`) },
  };
}

/** Release `protocol` opens what the other left and finishes every job; returns the shared references. */
async function resumeAt(protocol: number, left: Interrupted): Promise<void> {
  const { backend } = left;
  const putsBefore = backend.puts;
  const getsBefore = backend.gets;
  // The next release may seal new files with other sizes; a resumed job keeps its own (its pieces are stored).
  const b = await StorageClient.open(left.options(protocol, { chunkSize: 1 * KiB, pieceSize: 8 * KiB }));
  try {
    const shared = (await b.job(left.upload.id).done) as ShareResult;
    const spooled = (await b.job(left.spooled.id).done) as ShareResult;
    const got = await b.job(left.download.id).done;
    expect(readFileSync(left.download.out).equals(left.download.bytes)).toBe(true);
    expect(got).toMatchObject({ size: left.download.bytes.byteLength });
    const totalPieces = 17;
    const spooledPieces = 3;
    // Not one stored piece sent again, not one verified piece fetched again.
    expect(backend.puts - putsBefore).toBe(totalPieces - left.upload.storedBefore + spooledPieces);
    expect(backend.gets - getsBefore).toBe(totalPieces - left.download.verifiedBefore);
    // What this release returns is what it writes: a reference of its own protocol at most.
    // Also as the journal tells it once the job is done (a handle rebuilt from its row).
    const fromJournal = [await b.job(left.upload.id).done, await b.job(left.spooled.id).done];
    for (const result of [shared, spooled, ...fromJournal]) {
      const { reference, protocol: written } = result as ShareResult;
      // Of the client's protocol (ShareResult), whichever release journaled the job: an upgraded app sends it in its own envelopes.
      expect(written).toBe(protocol);
      const view = decodeFileReference(reference, { written, reader: written });
      expect(Buffer.from(encodeFileReference(view, written)).equals(Buffer.from(reference))).toBe(true);
    }
    // Each reference comes back whole through either release.
    for (const reader of [2, 3]) {
      const dir = join(left.dir, `reader-${reader}-${protocol}`);
      const fetcher = await startClient({ protocol: reader, backend, dir });
      for (const [result, bytes] of [
        [shared, left.upload.bytes],
        [spooled, left.spooled.bytes],
      ] as const) {
        const out = join(dir, `out-${Math.random()}.bin`);
        await fetcher.client.fetch(result.reference, { out }).done;
        expect(readFileSync(out).equals(bytes)).toBe(true);
      }
    }
  } finally {
    await b.stop();
  }
}

describe("upgrade and rollback with uploads and downloads in flight", () => {
  test("0.2.0 stops half-way, 0.3.0 (its state migrated to level 3) finishes every job", async () => {
    const left = await interruptedAt(2);
    await resumeAt(3, left);
  });

  test("0.3.0 stops half-way, 0.2.0 opens the level 3 file (compat level 2) and finishes every job", async () => {
    const left = await interruptedAt(3);
    await resumeAt(2, left);
  });

  test("0.3.0 stops half-way, migrate down to level 2, 0.2.0 finishes every job", async () => {
    const left = await interruptedAt(3);
    await migrateState({ path: join(left.dir, "state.sqlite"), direction: "down" });
    await resumeAt(2, left);
  });

  test("an upload the next release journaled (protocol 4, unknown to this build) is finished by 0.3.0 at protocol 3 after a rollback", async () => {
    const left = await interruptedAt(3);
    const db = new Database(join(left.dir, "state.sqlite"));
    db.prepare(`UPDATE upload_jobs SET protocol = 4`).run();
    db.close();
    await resumeAt(3, left);
  });

  test("an upload the next release finished (its row says protocol 4) still has a handle after a rollback: done, with the reference as stored", async () => {
    const dir = tempDir("scc-release-switch-");
    const options: StorageClientOptions = { protocol: 3, backend: localStore(join(dir, "store")), statePath: join(dir, "s.sqlite"), dataDir: join(dir, "d"), renewEveryMs: 0, retry: FAST_RETRY, ...PIECES };
    const a = await StorageClient.open(options);
    const sent = writeRandomFile(dir, "s.bin", 40 * KiB);
    const shared = await a.share({ path: sent.path }).done;
    await a.stop();
    // What 0.4.0 would have left: the same row, written at its protocol (this reference is a valid one of a later version too).
    const db = new Database(options.statePath as string);
    db.prepare(`UPDATE upload_jobs SET protocol = 4`).run();
    db.close();
    const b = await StorageClient.open(options);
    try {
      const again = (await b.job(shared.jobId).done) as ShareResult;
      expect(Buffer.from(again.reference).equals(Buffer.from(shared.reference))).toBe(true);
      expect(again.view.plaintextSize).toBe(40 * KiB);
      expect(again.protocol).toBe(4);
    } finally {
      await b.stop();
    }
  });

  test("the run settings a resumed upload compares are in the format every release writes: a change of format fails every resume across a switch", async () => {
    const left = await interruptedAt(3);
    const db = new Database(join(left.dir, "state.sqlite"), { readonly: true });
    const settings = Object.fromEntries(
      (db.prepare(`SELECT key, value FROM settings WHERE key LIKE 'upload-%:' || ?`).all(left.upload.id) as { key: string; value: string }[]).map((r) => [r.key.split(":")[0], r.value]),
    );
    db.close();
    const { dev, ino, size, mtimeNs, ctimeNs } = statSync(join(left.dir, "sent.bin"), { bigint: true });
    // Frozen: device:inode:size:mtime-ns of the source, and the store's kind and location. The
    // change time came later, under a key of its own that earlier releases do not read.
    expect(settings).toEqual({
      "upload-source": `${dev}:${ino}:${size}:${mtimeNs}`,
      "upload-store": `${left.backend.kind} ${left.backend.location}`,
      "upload-source-ctime": String(ctimeNs),
    });
  });

  test("an upload begun by a release that records no change time resumes and finishes; the change times such a release leaves behind when it ends an upload are forgotten at the next start", async () => {
    const left = await interruptedAt(3);
    const statePath = join(left.dir, "state.sqlite");
    const db = new Database(statePath);
    // What an earlier release records: the two keys it knows, no change time.
    db.prepare(`DELETE FROM settings WHERE key LIKE 'upload-source-ctime:%'`).run();
    // What it leaves when it ends an upload this release began: it forgets only the keys it knows.
    db.prepare(`INSERT INTO settings (key, value) VALUES ('upload-source-ctime:ended-by-an-earlier-release', '1')`).run();
    db.close();
    await resumeAt(3, left);
    expect(rows(statePath, `SELECT count(*) FROM settings WHERE key LIKE 'upload-source-ctime:%'`)).toBe(0);
  });

  for (const [from, to] of [
    [2, 3],
    [3, 2],
  ] as const) {
    test(`the cache and the renewal state of release protocol ${from} serve release protocol ${to}: a cached file is a hit, a shared file is renewed`, async () => {
      const dir = tempDir("scc-release-switch-");
      const backend = new InstrumentedBackend(localStore(join(dir, "store")));
      const peer = await startClient({ protocol: from, backend, dir: join(dir, "peer"), ...PIECES });
      const received = writeRandomFile(peer.dir, "r.bin", 50 * KiB);
      const { reference } = await peer.client.share({ path: received.path }).done;
      let now = Date.now();
      const clock = { now: () => now };
      const options = (protocol: number): StorageClientOptions => ({
        protocol,
        backend,
        statePath: join(dir, "state.sqlite"),
        dataDir: join(dir, "data"),
        renewEveryMs: 0,
        retry: FAST_RETRY,
        clock,
        ...PIECES,
      });
      const a = await StorageClient.open(options(from));
      const cached = await a.fetch(reference).done;
      const sent = writeRandomFile(dir, "s.bin", 50 * KiB);
      const shared = await a.share({ path: sent.path }).done;
      await a.stop();

      const b = await StorageClient.open(options(to));
      try {
        const gets = backend.gets;
        const hit = await b.fetch(reference).done;
        expect(hit).toMatchObject({ fromCache: true, path: cached.path });
        expect(backend.gets).toBe(gets);
        expect(readFileSync(hit.path).equals(received.bytes)).toBe(true);
        now += 28 * 24 * 3600_000;
        expect((await b.status(shared.reference)).state).toBe("expiring");
        const report = await b.renewDue();
        expect(report.failed).toEqual([]);
        expect(report.renewed.length).toBe(decodeFileReference(shared.reference, shared.protocol).pieces.length);
        expect((await b.status(shared.reference)).state).toBe("available");
      } finally {
        await b.stop();
      }
    });
  }
});
