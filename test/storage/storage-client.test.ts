import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { decodeFileReference } from "../../src/wire/index.js";
import { StorageError, type TransferProgress } from "../../src/storage/index.js";
import { KiB, MiB, localStore, sha256Hex, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { tempDir } from "../support/temp-dir.js";

describe("share then fetch", () => {
  test("share returns a queued job at once; the reference it resolves to fetches back the same bytes", async () => {
    const { client, dir } = await startClient();
    const { path, bytes } = writeRandomFile(dir, "photo.jpg", 300 * KiB + 17);
    const job = client.share({ path });
    expect(job.state).toBe("queued");
    expect(typeof job.id).toBe("string");
    const progress: TransferProgress[] = [];
    job.on("progress", (p) => progress.push(p));
    const shared = await job.done;
    expect(shared.view.fileName).toBe("photo.jpg");
    expect(shared.view.mime).toBe("image/jpeg");
    expect(shared.view.plaintextSize).toBe(bytes.byteLength);
    expect(shared.view.pieces.length).toBe(10);
    expect(progress.at(-1)).toEqual({ piecesDone: 10, piecesTotal: 10, bytesDone: bytes.byteLength, bytesTotal: bytes.byteLength });
    const out = join(dir, "copy.jpg");
    const got = await client.fetch(shared.reference, { out }).done;
    expect(got.path).toBe(out);
    expect(sha256Hex(readFileSync(out))).toBe(sha256Hex(bytes));
    expect(Buffer.from(got.sha256).toString("hex")).toBe(sha256Hex(bytes));
    expect(client.job(job.id).state).toBe("done");
    const metrics = await client.metrics.text();
    expect(metrics).toMatch(/storage_pieces_total\{direction="up",outcome="stored"\} 10\n/);
    expect(metrics).toMatch(/storage_pieces_total\{direction="down",outcome="fetched"\} 10\n/);
    const sealedBytes = shared.view.pieces.reduce((n, p) => n + p.size, 0);
    expect(metrics).toContain(`storage_transfer_bytes_total{direction="up"} ${sealedBytes}\n`);
    expect(metrics).toContain(`storage_transfer_bytes_total{direction="down"} ${sealedBytes}\n`);
    expect(metrics).toMatch(/storage_job_transitions_total\{kind="upload",state="done"\} 1\n/);
    expect(metrics).toMatch(/storage_queue_depth\{kind="download"\} 0\n/);
  });

  test("a version 3 reference carries piece index and offset and uploaded/expires times 30 days apart", async () => {
    const { client, dir } = await startClient({ protocol: 3 });
    const { path } = writeRandomFile(dir, "a.bin", 100 * KiB);
    const { reference } = await client.share({ path }).done;
    const view = decodeFileReference(reference, 3);
    expect(view.pieces.map((p) => p.index)).toEqual(view.pieces.map((_, i) => i));
    let offset = 0;
    for (const p of view.pieces) {
      expect(p.offset).toBe(offset);
      offset += p.size;
    }
    expect((view.expiresAt ?? 0) - (view.uploadedAt ?? 0)).toBeGreaterThanOrEqual(30 * 24 * 3600 - 2);
  });

  test("bytes can be shared without a file; a receiver's fetch without --out lands in its cache and a second fetch is a cache hit", async () => {
    const sender = await startClient();
    const receiver = await startClient({ backend: sender.backend });
    const bytes = Buffer.from("hello, codex\n".repeat(5000));
    const { reference, view } = await sender.client.share({ bytes, fileName: "../../etc/notes.txt" }).done;
    expect(view.fileName).toBe("notes.txt");
    const first = await receiver.client.fetch(reference).done;
    expect(first.fromCache).toBe(false);
    expect(readFileSync(first.path).equals(bytes)).toBe(true);
    const second = await receiver.client.fetch(reference).done;
    expect(second.fromCache).toBe(true);
    expect(second.path).toBe(first.path);
    // The sender keeps its spooled copy: its own fetch needs no network.
    expect((await sender.client.fetch(reference).done).fromCache).toBe(true);
  });

  test("a cached file the application wrote to is not served: it is fetched again, verified, as the same job; an untouched one is served without a get", async () => {
    const sender = await startClient();
    const backend = new InstrumentedBackend(sender.backend);
    const receiver = await startClient({ backend });
    const bytes = randomBytes(300 * KiB);
    const { reference } = await sender.client.share({ bytes, fileName: "photo.jpg" }).done;
    const first = await receiver.client.fetch(reference).done;
    const getsAfterFirst = backend.gets;
    expect((await receiver.client.fetch(reference).done).fromCache).toBe(true);
    expect(backend.gets).toBe(getsAfterFirst);

    // Same size, other bytes: a size check alone would serve it.
    const edited = Buffer.from(bytes);
    edited[1000] = (edited[1000] as number) ^ 0xff;
    writeFileSync(first.path, edited);
    const job = receiver.client.fetch(reference);
    const again = await job.done;
    expect(again).toMatchObject({ jobId: job.id, path: first.path, fromCache: false });
    expect(readFileSync(again.path).equals(bytes)).toBe(true);
    expect(backend.gets).toBeGreaterThan(getsAfterFirst);
    expect(receiver.client.jobs().find((j) => j.id === job.id)?.state).toBe("done");
    expect((await receiver.client.fetch(reference).done).fromCache).toBe(true);
  });

  test("a cache hit on the spooled copy of a pending upload is served while it holds its content, and refused with E_INTEGRITY once it was written to", async () => {
    const sender = await startClient();
    const bytes = randomBytes(300 * KiB);
    const { reference } = await sender.client.share({ bytes, fileName: "a.bin" }).done;
    // The receiver shares the same bytes too; its upload is held back, so its spool file stays pinned.
    const backend = new InstrumentedBackend(sender.backend);
    let letPutsThrough = (): void => undefined;
    const held = new Promise<void>((resolve) => (letPutsThrough = resolve));
    let putsReached = 0;
    backend.beforePut = () => {
      putsReached += 1;
      return held;
    };
    const receiver = await startClient({ backend });
    try {
      receiver.client.share({ bytes, fileName: "b.bin" });
      const spool = join(receiver.dataDir, "spool");
      // Its first put, not the spool file's appearance: the file is renamed into place before the
      // cache records it (cache.add), and only a recorded one is a hit (a fetch sooner downloads).
      await vi.waitFor(() => expect(putsReached).toBeGreaterThan(0), { timeout: 5_000 });
      expect(readdirSync(spool).filter((n) => !n.includes("."))).toHaveLength(1);
      const served = await receiver.client.fetch(reference).done;
      expect(served).toMatchObject({ fromCache: true, path: expect.stringContaining(spool) });
      const edited = Buffer.from(bytes);
      edited[7] = (edited[7] as number) ^ 1;
      writeFileSync(served.path, edited);
      await expect(receiver.client.fetch(reference).done).rejects.toMatchObject({ code: "E_INTEGRITY" });
      expect(readFileSync(served.path).equals(edited)).toBe(true);
    } finally {
      // Its upload may go on (and fail on the edited file) so that the client can stop.
      letPutsThrough();
    }
  });

  test("fetchStream yields exactly the plaintext", async () => {
    const { client, dir } = await startClient();
    const { path, bytes } = writeRandomFile(dir, "s.bin", 200 * KiB + 5);
    const { reference } = await client.share({ path }).done;
    const parts: Buffer[] = [];
    for await (const part of client.fetchStream(reference)) parts.push(part);
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
  });

  test("the file name is sanitized before it goes into the reference", async () => {
    const { client } = await startClient();
    const { view } = await client.share({ bytes: Buffer.from("x"), fileName: "dir/evil\u202Egnp.exe" }).done;
    expect(view.fileName).toBe("evilgnp.exe");
  });
});

describe("limits", () => {
  test("a file over the limit is refused with E_FILE_TOO_LARGE before anything is uploaded", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const { client } = await startClient({ dir, backend, maxFileBytes: 64 * KiB });
    const { path } = writeRandomFile(dir, "big.bin", 64 * KiB + 1);
    let error: unknown;
    try {
      client.share({ path });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_FILE_TOO_LARGE");
    expect(client.jobs()).toEqual([]);
    // At the limit is fine, and is what the backend then sees.
    await client.share({ path: writeRandomFile(dir, "ok.bin", 64 * KiB).path }).done;
    expect(backend.puts).toBeGreaterThan(0);
    const after = backend.puts;
    expect(() => client.share({ path })).toThrow(expect.objectContaining({ code: "E_FILE_TOO_LARGE" }));
    await new Promise((r) => setTimeout(r, 20));
    expect(backend.puts).toBe(after);
  });

  test("the default limit is 50 MiB", async () => {
    const { client } = await startClient();
    expect(() => client.share({ bytes: Buffer.alloc(50 * MiB + 1), fileName: "x" })).toThrow(expect.objectContaining({ code: "E_FILE_TOO_LARGE" }));
  });

  test("an empty file, a missing file and a bad MIME type are refused with their own codes", async () => {
    const { client, dir } = await startClient();
    expect(() => client.share({ bytes: new Uint8Array(0), fileName: "e" })).toThrow(expect.objectContaining({ code: "E_FILE_EMPTY" }));
    expect(() => client.share({ path: join(dir, "nope") })).toThrow(expect.objectContaining({ code: "E_SOURCE_MISSING" }));
    expect(() => client.share({ bytes: Buffer.from("x"), fileName: "a", mime: "not a mime" })).toThrow(expect.objectContaining({ code: "E_BAD_REFERENCE" }));
    expect(existsSync(join(dir, "nope"))).toBe(false);
  });

  test("a folder, a pipe and a path through a file are E_SOURCE_MISSING saying what is there, not a raw OS error", async () => {
    const { client, dir } = await startClient();
    const refusal = (path: string): unknown => {
      try {
        client.share({ path });
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(refusal(dir)).toMatchObject({ code: "E_SOURCE_MISSING", message: expect.stringMatching(/is a folder; only a regular file can be shared/) });
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    expect(refusal(fifo)).toMatchObject({ code: "E_SOURCE_MISSING", message: expect.stringMatching(/is a pipe/) });
    const { path } = writeRandomFile(dir, "plain.bin", KiB);
    const through = refusal(join(path, "child"));
    expect(through).toBeInstanceOf(StorageError);
    expect(through).toMatchObject({ code: "E_SOURCE_MISSING", message: expect.stringMatching(/ENOTDIR/) });
    expect(client.jobs()).toEqual([]);
  });
});
