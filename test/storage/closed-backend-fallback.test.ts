/**
 * A full-mode client with a fallback endpoint (`backend: A, endpoints: [B]`) whose application
 * closed A (it tore its own node's connection down) while the client runs. A closed backend answers
 * every call with E_CLIENT_CLOSED, which withRetries took for "the client is stopping" (fatal): the
 * share failed E_CLIENT_CLOSED without B ever being asked. The job's own signal is what says the
 * client stops (checked before the error is classified); a closed backend is one endpoint out.
 */
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { StorageClient, type ShareResult } from "../../src/storage/index.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { localStore, writeRandomFile, fileSha256, sha256Hex, SMALL_PIECES } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { Reconnectable } from "./support/reconnectable-backend.js";
import { reopenable } from "./support/reopenable-client.js";
import { tempDir } from "../support/temp-dir.js";

describe("a closed backend with a working fallback endpoint", () => {
  test("a share goes to the fallback, and the file comes back from it", async () => {
    const dir = tempDir();
    const a = new InstrumentedBackend(localStore(join(dir, "store-a")), "local-a");
    const b = new InstrumentedBackend(localStore(join(dir, "store-b")), "local-b");
    const client = await StorageClient.open({ ...reopenable(dir, a), endpoints: [b] });
    try {
      await a.close();
      const { path, bytes } = writeRandomFile(dir, "photo.jpg", 3 * SMALL_PIECES.pieceSize);
      const { reference } = await client.share({ path }).done;
      expect(b.puts).toBeGreaterThanOrEqual(3);
      const out = join(dir, "back.jpg");
      await client.fetch(reference, { out }).done;
      expect(fileSha256(out)).toBe(sha256Hex(bytes));
    } finally {
      await client.stop();
    }
  });

  test("with every endpoint closed the share still fails E_CLIENT_CLOSED (resumable), having asked each", async () => {
    const dir = tempDir();
    const a = new InstrumentedBackend(localStore(join(dir, "store-a")), "local-a");
    const b = new InstrumentedBackend(localStore(join(dir, "store-b")), "local-b");
    const client = await StorageClient.open({ ...reopenable(dir, a), endpoints: [b] });
    try {
      await a.close();
      await b.close();
      const { path } = writeRandomFile(dir, "photo.jpg", 2 * SMALL_PIECES.pieceSize);
      const job = client.share({ path });
      await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
      expect(a.puts).toBeGreaterThanOrEqual(1);
      expect(b.puts).toBeGreaterThanOrEqual(1);
      expect(job.state).toBe("failed");
    } finally {
      await client.stop();
    }
  });
});

describe("a client stopping with a fallback endpoint", () => {
  test("a put its own backend ends E_CLIENT_CLOSED as the client stops is not sent to the fallback; the share resumes on the next start", async () => {
    const dir = tempDir();
    const a = new InstrumentedBackend(localStore(join(dir, "store-a")), "local-a");
    const b = new InstrumentedBackend(localStore(join(dir, "store-b")), "local-b");
    let fail!: () => void;
    const closing = new Promise<void>((_, reject) => (fail = () => reject(new StorageError("E_CLIENT_CLOSED", "the local store is closed"))));
    closing.catch(() => undefined);
    a.beforePut = () => closing;
    const client = await StorageClient.open({ ...reopenable(dir, a), endpoints: [b] });
    const { path, bytes } = writeRandomFile(dir, "photo.jpg", 2 * SMALL_PIECES.pieceSize);
    const job = client.share({ path });
    await vi.waitFor(() => expect(a.puts).toBeGreaterThanOrEqual(1), { timeout: 5_000 });
    const stopped = client.stop();
    fail();
    await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    await stopped;
    expect(b.puts).toBe(0);

    a.beforePut = undefined;
    const again = await StorageClient.open({ ...reopenable(dir, a), endpoints: [b] });
    try {
      const { reference } = (await again.job(job.id).done) as ShareResult;
      const out = join(dir, "back.jpg");
      await again.fetch(reference, { out }).done;
      expect(fileSha256(out)).toBe(sha256Hex(bytes));
    } finally {
      await again.stop();
    }
  });
});

describe("a closed backend and a fallback that lacks the file", () => {
  test("the fetch fails E_CLIENT_CLOSED (the closed one may hold it; retry() once it is open), not the fallback's E_NOT_FOUND", async () => {
    const dir = tempDir();
    const sender = await StorageClient.open(reopenable(join(dir, "sender"), new InstrumentedBackend(localStore(join(dir, "store-a")))));
    const { path, bytes } = writeRandomFile(dir, "photo.jpg", 3 * SMALL_PIECES.pieceSize);
    const { reference } = (await sender.share({ path }).done) as ShareResult;
    await sender.stop();

    const inner = new InstrumentedBackend(localStore(join(dir, "store-a")), "local-a");
    const a = new Reconnectable(inner);
    const b = new InstrumentedBackend(localStore(join(dir, "store-b")), "local-b");
    const client = await StorageClient.open({ ...reopenable(dir, inner), backend: a, endpoints: [b] });
    try {
      await inner.close();
      const out = join(dir, "back.jpg");
      const job = client.fetch(reference, { out });
      await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
      a.inner = localStore(join(dir, "store-a"));
      await client.retry(job.id).done;
      expect(fileSha256(out)).toBe(sha256Hex(bytes));
    } finally {
      await client.stop();
    }
  });
});
