import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, test, vi } from "vitest";
import { StorageError } from "../../src/storage/storage-error.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";
import { codexSetup } from "./codex-fixtures.js";

const DAY = 24 * 60 * 60 * 1000;

async function uploaded() {
  const dir = tempDir();
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const clock = { t: Date.UTC(2026, 0, 1) };
  const setup = await startClient({ dir, backend, clock: { now: () => clock.t } });
  const file = writeRandomFile(dir, "doc.pdf", 100 * KiB);
  const shared = await setup.client.share({ path: file.path }).done;
  return { ...setup, backend, clock, shared, file, start: clock.t };
}

describe("availability and renewal before the 30-day TTL", () => {
  test("a fresh upload is available until 30 days out, expiring in the last 3 days, expired after", async () => {
    const { client, clock, shared, start } = await uploaded();
    expect(await client.status(shared.reference)).toEqual({ state: "available", expiresAt: start + 30 * DAY });
    clock.t = start + 27 * DAY - 1;
    expect((await client.status(shared.reference)).state).toBe("available");
    clock.t = start + 28 * DAY;
    expect((await client.status(shared.reference)).state).toBe("expiring");
    clock.t = start + 30 * DAY;
    expect((await client.status(shared.reference)).state).toBe("expired");
  });

  test("renewDue stores every due piece again under the same CID and pushes its expiry 30 days from now", async () => {
    const { client, backend, clock, shared, start } = await uploaded();
    expect((await client.renewDue()).renewed).toEqual([]);
    clock.t = start + 28 * DAY;
    const puts = backend.puts;
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed.sort()).toEqual(shared.view.pieces.map((p) => p.cid).sort());
    expect(backend.puts - puts).toBe(shared.view.pieces.length);
    expect(await client.status(shared.reference)).toEqual({ state: "available", expiresAt: start + 58 * DAY });
  });

  test("a released file is no longer renewed and expires", async () => {
    const { client, backend, clock, shared, start } = await uploaded();
    client.release(shared.reference);
    clock.t = start + 29 * DAY;
    const puts = backend.puts;
    expect((await client.renewDue()).renewed).toEqual([]);
    expect(backend.puts).toBe(puts);
    clock.t = start + 31 * DAY;
    expect((await client.status(shared.reference)).state).toBe("expired");
  });

  test("a piece the backend already dropped is rebuilt from the source file: same bytes, same CID", async () => {
    const { client, backend, clock, shared, start } = await uploaded();
    const lost = shared.view.pieces[1]?.cid as string;
    await backend.delete(lost);
    expect(await client.status(shared.reference, { probe: true })).toMatchObject({ state: "expired", missingPieces: 1 });
    clock.t = start + 28 * DAY;
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed).toContain(lost);
    expect(await backend.has(lost)).toBe(true);
    expect(await client.status(shared.reference, { probe: true })).toMatchObject({ state: "available", missingPieces: 0 });
  });

  test("a piece already past its expiry is sealed again from the source without asking the backend for it (Codex hangs on a block it dropped)", async () => {
    const { client, backend, clock, shared, start } = await uploaded();
    clock.t = start + 31 * DAY;
    const gets = backend.gets;
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed.sort()).toEqual(shared.view.pieces.map((p) => p.cid).sort());
    expect(backend.gets).toBe(gets);
    expect(await client.status(shared.reference)).toEqual({ state: "available", expiresAt: start + 61 * DAY });
  });

  test("a piece past its expiry whose source changed is still renewed from the backend when the backend has it", async () => {
    const { client, backend, clock, shared, start, file } = await uploaded();
    writeFileSync(file.path, Buffer.alloc(100 * KiB, 1));
    clock.t = start + 31 * DAY;
    const gets = backend.gets;
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed).toHaveLength(shared.view.pieces.length);
    expect(backend.gets - gets).toBe(shared.view.pieces.length);
  });

  test("a dropped piece whose source changed cannot be rebuilt: reported as failed, still due", async () => {
    const { client, backend, clock, shared, start, file } = await uploaded();
    const lost = shared.view.pieces[0]?.cid as string;
    await backend.delete(lost);
    writeFileSync(file.path, Buffer.alloc(100 * KiB, 1));
    clock.t = start + 28 * DAY;
    const report = await client.renewDue();
    expect(report.failed).toEqual([{ cid: lost, code: "E_SOURCE_CHANGED" }]);
    expect((await client.renewDue()).failed.map((f) => f.cid)).toEqual([lost]);
  });

  test("a piece past its expiry that no endpoint has and whose source file is gone is reported E_SOURCE_MISSING (what the user can act on), not the failed read", async () => {
    const { client, backend, clock, shared, start, file } = await uploaded();
    const lost = shared.view.pieces[0]?.cid as string;
    await backend.delete(lost);
    rmSync(file.path);
    clock.t = start + 31 * DAY;
    const report = await client.renewDue();
    expect(report.failed).toEqual([{ cid: lost, code: "E_SOURCE_MISSING" }]);
    expect(report.renewed).toHaveLength(shared.view.pieces.length - 1);
  });

  test("a lost piece whose source path is now a folder is reported E_SOURCE_MISSING, not as an internal error", async () => {
    const { client, backend, clock, shared, start, file } = await uploaded();
    const lost = shared.view.pieces[0]?.cid as string;
    await backend.delete(lost);
    rmSync(file.path);
    mkdirSync(file.path);
    clock.t = start + 28 * DAY;
    const report = await client.renewDue();
    expect(report.failed).toEqual([{ cid: lost, code: "E_SOURCE_MISSING" }]);
  });

  test("a received version 3 reference tells its expiry; probing tells whether the pieces are still there", async () => {
    const { shared, backend, start } = await uploaded();
    const receiver = await startClient({ backend, clock: { now: () => start + DAY } });
    expect(await receiver.client.status(shared.reference)).toEqual({ state: "available", expiresAt: start + 30 * DAY });
    await backend.delete(shared.view.pieces[0]?.cid as string);
    expect(await receiver.client.status(shared.reference, { probe: true })).toMatchObject({ state: "expired", missingPieces: 1 });
  });

  test("probing while the endpoint cannot be reached says so (E_BACKEND_UNREACHABLE) instead of calling the file expired", async () => {
    const { shared, backend, start } = await uploaded();
    const down = new InstrumentedBackend(backend, "http://127.0.0.1/down");
    down.has = async () => {
      throw unreachable(down.location);
    };
    const receiver = await startClient({ backend: down, clock: { now: () => start + DAY } });
    await expect(receiver.client.status(shared.reference, { probe: true })).rejects.toMatchObject({ code: "E_BACKEND_UNREACHABLE" });
    expect(await receiver.client.status(shared.reference)).toEqual({ state: "available", expiresAt: start + 30 * DAY });
  });
});

describe("renewal across client restarts", () => {
  test("a client started after time passed renews what is due at once, not only after a full renewEveryMs of uptime (an app session is shorter than 6 h)", async () => {
    const { client, backend, clock, shared, start, dir, statePath } = await uploaded();
    await client.stop();
    // The app was not running for 28 days; it now runs for minutes at a time.
    clock.t = start + 28 * DAY;
    const again = await startClient({ dir, statePath, backend, clock: { now: () => clock.t }, renewEveryMs: 6 * 60 * 60 * 1000 });
    // Renewed in the background of the start: wait for it (10 s, for a loaded machine), then check the new expiry.
    await vi.waitFor(async () => expect(await again.client.status(shared.reference)).toEqual({ state: "available", expiresAt: start + 58 * DAY }), { timeout: 10_000 });
  });
});

describe("renewal on a Codex node that dropped a piece before its expiry", () => {
  test("a piece the node says it no longer has (/exists) is sealed again from the source without a download, which a node searching the network answers by hanging", async () => {
    const { server, backend } = await codexSetup({ requestTimeoutMs: 5_000 });
    server.behaviour.missingContent = "hang";
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    // Shared with the usual policy (one attempt of 300 ms failed the share itself on a loaded machine)...
    const sender = await startClient({ dir, backend, clock: { now: () => clock.t } });
    const file = writeRandomFile(dir, "doc.pdf", 100 * KiB);
    const shared = await sender.client.share({ path: file.path }).done;
    await sender.client.stop();
    // ...renewed with one attempt of 300 ms: the defect shows as a download request, not as the minutes it costs with the defaults.
    const { client } = await startClient({ dir, backend, clock: { now: () => clock.t }, retry: { attemptTimeoutMs: 300, maxAttempts: 1 } });
    const lost = shared.view.pieces[1]?.cid as string;
    await backend.delete(lost);
    clock.t = start + 28 * DAY;
    const downloads = server.stats.byRoute.download ?? 0;
    const report = await client.renewDue();
    expect(report.failed).toEqual([]);
    expect(report.renewed).toContain(lost);
    expect(await backend.has(lost)).toBe(true);
    // Only the pieces the node still has were read back.
    expect((server.stats.byRoute.download ?? 0) - downloads).toBe(shared.view.pieces.length - 1);
  });
});

describe("renewal options", () => {
  test.each([Number.NaN, -1, 30 * DAY])("renewBeforeMs %s is refused at start with a RangeError (NaN silently turned renewal off; a margin as long as the TTL renews every piece on every run)", async (renewBeforeMs) => {
    await expect(startClient({ renewBeforeMs, ttlMs: 30 * DAY })).rejects.toThrow(RangeError);
  });

  test("a renewal timer slower than the renewal margin (renewEveryMs 4 days, renewBeforeMs 3 days) is refused at start with a RangeError: a piece entering the margin just after one run would expire before the next", async () => {
    await expect(startClient({ renewEveryMs: 4 * DAY, renewBeforeMs: 3 * DAY })).rejects.toThrow(/renewEveryMs/);
    await expect(startClient({ renewEveryMs: 3 * DAY, renewBeforeMs: 3 * DAY })).rejects.toThrow(RangeError);
  });

  test("a renewal timer faster than the margin, or off, or a margin of 0 (renew only what has expired, on purpose) still starts", async () => {
    for (const options of [{ renewEveryMs: 2 * DAY, renewBeforeMs: 3 * DAY }, { renewEveryMs: 0, renewBeforeMs: DAY }, { renewEveryMs: 6 * 3600 * 1000, renewBeforeMs: 0 }]) {
      const { client } = await startClient(options);
      await client.stop();
    }
  });

  test("renewBeforeMs 0 renews only what has expired", async () => {
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client } = await startClient({ dir, clock: { now: () => clock.t }, renewBeforeMs: 0 });
    const shared = await client.share({ path: writeRandomFile(dir, "a.bin", 10 * KiB).path }).done;
    clock.t += 30 * DAY - 1;
    expect((await client.status(shared.reference)).state).toBe("available");
    expect((await client.renewDue()).renewed).toEqual([]);
  });
});

describe("renewal with a clock that was wrong", () => {
  test("pieces renewed while the device clock ran a year ahead are renewed again once it is put right: their journaled expiry is further away than any fresh upload's", async () => {
    const { client, clock, shared, start } = await uploaded();
    // Booted with a clock a year ahead (no network time yet): everything looks expired and is renewed.
    clock.t = start + 400 * DAY;
    expect((await client.renewDue()).renewed).toHaveLength(shared.view.pieces.length);
    // The clock is put right. The endpoints' TTL ran from the real time of that renewal, not from the wrong one.
    clock.t = start + DAY;
    const report = await client.renewDue();
    expect(report.renewed).toHaveLength(shared.view.pieces.length);
    expect(await client.status(shared.reference)).toEqual({ state: "available", expiresAt: start + 31 * DAY });
  });
});

describe("an upload resumed long after it began", () => {
  test("pieces stored by an earlier run that are due (or past) their TTL are stored again, so the finished file is not born expiring", async () => {
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const clock = { t: Date.UTC(2026, 0, 1) };
    const start = clock.t;
    const options = { dir, backend, clock: { now: () => clock.t }, piecesInFlight: 1 };
    const first = await startClient(options);
    const file = writeRandomFile(dir, "video.mp4", 200 * KiB);
    // Two pieces go through, then the store stops answering: the app is closed mid-upload.
    const stuck: (() => void)[] = [];
    backend.beforePut = () => (backend.puts > 2 ? new Promise<void>((resolve) => stuck.push(resolve)) : undefined);
    const job = first.client.share({ path: file.path });
    await vi.waitFor(() => expect(backend.puts).toBeGreaterThan(2), { timeout: 10_000 });
    const stopped = first.client.stop();
    for (const resolve of stuck) resolve();
    await stopped;
    await expect(job.done).rejects.toMatchObject({ code: "E_CLIENT_CLOSED" });
    backend.beforePut = undefined;
    // Opened again 29 days later: the upload resumes and finishes.
    clock.t = start + 29 * DAY;
    const again = await startClient({ ...options, statePath: first.statePath });
    const done = await again.client.job(job.id).done;
    const { reference } = done as { reference: Uint8Array };
    expect(await again.client.status(reference)).toEqual({ state: "available", expiresAt: clock.t + 30 * DAY });
    // Each piece counted once: those stored again as stored, not also as resumed (skipped).
    const text = await again.client.metrics.text();
    const pieces = (outcome: string): number => Number(new RegExp(`storage_pieces_total\\{direction="up",outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    expect(pieces("stored") + pieces("resumed")).toBe((done as { view: { pieces: unknown[] } }).view.pieces.length);
  });
});

describe("availability on a full disk", () => {
  test("release() while the journal refuses writes throws E_LOCAL_IO, not a raw SQLite error", async () => {
    const { client, shared, statePath } = await uploaded();
    const db = new Database(statePath);
    db.exec(`CREATE TRIGGER refuse_availability BEFORE UPDATE ON availability BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END;`);
    try {
      let thrown: unknown;
      try {
        client.release(shared.reference);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(StorageError);
      expect(thrown).toMatchObject({ code: "E_LOCAL_IO" });
    } finally {
      db.exec(`DROP TRIGGER refuse_availability`);
      db.close();
    }
  });
});

describe("renewal runs at the same time", () => {
  test("renewDue() called while the start's background renewal runs does not store every due piece a second time", async () => {
    const { client, backend, clock, shared, start, dir, statePath } = await uploaded();
    await client.stop();
    clock.t = start + 28 * DAY;
    const puts = backend.puts;
    const again = await startClient({ dir, statePath, backend, clock: { now: () => clock.t }, renewEveryMs: 6 * 60 * 60 * 1000 });
    // The application renews at start too, as the method table invites.
    const report = await again.client.renewDue();
    await vi.waitFor(async () => expect((await again.client.status(shared.reference)).state).toBe("available"), { timeout: 10_000 });
    expect(report.failed).toEqual([]);
    expect(backend.puts - puts).toBe(shared.view.pieces.length);
  });
});

describe("status with an expiry a wrong clock wrote", () => {
  test("a received version 3 reference whose expires_at is further away than any upload's could be (the sender's clock ran a year ahead) is not reported available for that year", async () => {
    const dir = tempDir();
    const backend = localStore(join(dir, "store"));
    const now = Date.UTC(2026, 0, 1);
    const sender = await startClient({ dir: join(dir, "sender"), backend, clock: { now: () => now + 365 * DAY } });
    const shared = await sender.client.share({ path: writeRandomFile(dir, "doc.pdf", 40 * KiB).path }).done;
    const receiver = await startClient({ dir: join(dir, "receiver"), backend, clock: { now: () => now } });
    // The pieces were stored now; Codex keeps them 30 days, whatever the sender's clock said.
    expect(await receiver.client.status(shared.reference)).toEqual({ state: "unknown" });
    expect((await receiver.client.status(shared.reference, { probe: true })).state).toBe("available");
  });

  test("our own upload journaled while the clock ran a year ahead is not reported available for that year once the clock is right", async () => {
    const { client, clock, shared, start } = await uploaded();
    const ahead = await (async () => {
      clock.t = start + 365 * DAY;
      return client.share({ bytes: Buffer.alloc(40 * KiB, 1), fileName: "ahead.bin" }).done;
    })();
    clock.t = start;
    expect(await client.status(ahead.reference)).toEqual({ state: "unknown" });
    // The one uploaded with the right time is unaffected.
    expect(await client.status(shared.reference)).toEqual({ state: "available", expiresAt: start + 30 * DAY });
  });
});

describe("renewal in the metrics", () => {
  /** A counter's value in the client's Prometheus text (0 when it has no sample yet). */
  async function counter(client: { metrics: { text(): Promise<string> } }, sample: string): Promise<number> {
    const line = (await client.metrics.text()).split("\n").find((l) => l.startsWith(`status_compat_${sample} `));
    return line === undefined ? 0 : Number(line.split(" ")[1]);
  }

  test("the bytes a renewal reads back and stores again are counted in storage_transfer_bytes_total, like any transfer's", async () => {
    const { client, clock, shared, start } = await uploaded();
    const up = await counter(client, 'storage_transfer_bytes_total{direction="up"}');
    const down = await counter(client, 'storage_transfer_bytes_total{direction="down"}');
    const sealed = shared.view.pieces.reduce((sum, p) => sum + p.size, 0);
    clock.t = start + 28 * DAY;
    expect((await client.renewDue()).renewed).toHaveLength(shared.view.pieces.length);
    expect(await counter(client, 'storage_transfer_bytes_total{direction="up"}')).toBe(up + sealed);
    expect(await counter(client, 'storage_transfer_bytes_total{direction="down"}')).toBe(down + sealed);
  });
});

describe("status when a probe contradicts the known expiry", () => {
  test("a file past its known expiry whose pieces every endpoint still has is available, without the stale expiry (an app would show it expired days ago)", async () => {
    const { shared, backend, start } = await uploaded();
    const receiver = await startClient({ backend, clock: { now: () => start + 31 * DAY } });
    expect(await receiver.client.status(shared.reference)).toEqual({ state: "expired", expiresAt: start + 30 * DAY });
    expect(await receiver.client.status(shared.reference, { probe: true })).toEqual({ state: "available", missingPieces: 0 });
  });
});
