/**
 * A put's body given as one buffer goes out in 64 KiB slices: each slice the socket takes is
 * progress (the storage client's attempt timeout counts from the last report) and re-arms the
 * stall deadline (idleTimeoutMs: upload bytes the node does not accept). An iterable's chunk went
 * out whole: a stream that yields a piece as one chunk (Readable.from([piece]), a generator of
 * pieces, a file stream with a large highWaterMark) reported progress once per chunk, and a chunk
 * larger than the socket buffers waited for its whole drain under one idle deadline, so a slow but
 * steady uplink ended E_TIMEOUT "the node stopped accepting upload bytes" where the same bytes as a
 * buffer went through. The slices of a chunk may run up to 1 MiB ahead of the socket before the
 * upload waits (waiting after each cost CPU); the deadline then counts from the last slice taken.
 */
import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import { codexSetup, eventually, pattern, storageError } from "./codex-fixtures.js";

describe("a put of a stream whose chunks are large goes out in slices, as a buffer does", () => {
  test("progress at least once per 64 KiB, never above 64 KiB at a time, for a stream that yields 1 MiB at once", async () => {
    const { backend } = await codexSetup();
    const bytes = pattern(1024 * 1024, 7);
    const reports: number[] = [];
    const cid = await backend.put(Readable.from([bytes]), { size: bytes.byteLength, progress: (sent) => reports.push(sent ?? -1) });
    expect(cid).toBe(await backend.put(bytes));
    expect(reports.length).toBeGreaterThanOrEqual(16);
    expect(reports.at(-1)).toBe(bytes.byteLength);
    expect(Math.max(...reports.map((sent, i) => sent - (reports[i - 1] ?? 0)))).toBeLessThanOrEqual(64 * 1024);
  });

  test("a slow but steady node takes a 10 MiB chunk without an idle timeout (the deadline is per slice, not per chunk)", async () => {
    // 10 MiB at about 4 MiB/s: some 6 MiB past what the loopback socket buffers hold (about 4 MiB), so
    // the chunk's last byte leaves well after idleTimeoutMs, while a 64 KiB slice leaves every 16 ms.
    const { server, backend } = await codexSetup({ idleTimeoutMs: 700, requestTimeoutMs: 10_000 });
    const bytes = pattern(10 * 1024 * 1024, 8);
    const expected = await backend.put(bytes);
    server.inject("upload", { kind: "slow", chunkBytes: 64 * 1024, everyMs: 16 });
    const cid = await backend.put(
      (async function* () {
        yield bytes;
      })(),
      { size: bytes.byteLength },
    );
    expect(cid).toBe(expected);
  }, 30_000);
});

describe("slices queued at a fast start, drained at a slow node's pace", () => {
  test("a put whose run-ahead grew while the socket buffers took its bytes at once does not time out when the node then reads a steady 1.6 MB/s", async () => {
    // The loopback socket buffers take the first MiBs at once, so the run-ahead grows to 1 MiB; then
    // 1 MiB of slices leave in one writev at 64 KiB per 40 ms (about 640 ms, past idleTimeoutMs)
    // with no callback until its end, though the node took a slice every 40 ms. Before, the stall
    // deadline ended it E_TIMEOUT "the node stopped accepting upload bytes for 400 ms".
    const { server, backend } = await codexSetup({ idleTimeoutMs: 400, requestTimeoutMs: 30_000 });
    const bytes = pattern(8 * 1024 * 1024, 3);
    const expected = await backend.put(bytes);
    server.inject("upload", { kind: "slow", chunkBytes: 64 * 1024, everyMs: 40 });
    expect(await backend.put(bytes)).toBe(expected);
  }, 30_000);
});

describe("a body longer than its declared size", () => {
  test("a buffer past size: E_TRUNCATED and the node stores nothing (it never gets Content-Length bytes of it)", async () => {
    const { server, backend } = await codexSetup();
    const errors = [];
    for (let round = 0; round < 5; round++) errors.push(await storageError(backend.put(pattern(1024 * 1024, round), { size: 128 * 1024 }), "E_TRUNCATED"));
    // Once the server let go of every connection, any upload it finished is counted.
    expect(await eventually(() => server.openConnections() === 0)).toBe(true);
    expect(server.stats.uploads).toBe(0);
    expect(server.cids()).toEqual([]);
    for (const error of errors) expect(error.details).toMatchObject({ declared: 128 * 1024, actual: 1024 * 1024 });
  });

  test("a stream that yields exactly size bytes and then more: E_TRUNCATED, and the node stores nothing", async () => {
    const { server, backend } = await codexSetup();
    const errors = [];
    for (let round = 0; round < 5; round++) {
      // The extra bytes come a moment later, as from a file that grew while it was read: by then a node
      // that had the declared bytes would have answered and stored them.
      const body = (async function* () {
        yield pattern(128 * 1024, round);
        await new Promise((resolve) => setTimeout(resolve, 50));
        yield pattern(10, 9);
      })();
      errors.push(await storageError(backend.put(body, { size: 128 * 1024 }), "E_TRUNCATED", "E_BACKEND_HTTP"));
    }
    expect(await eventually(() => server.openConnections() === 0)).toBe(true);
    expect(server.stats.uploads).toBe(0);
    expect(server.cids()).toEqual([]);
    for (const error of errors) expect({ code: error.code, details: error.details }).toMatchObject({ code: "E_TRUNCATED", details: { declared: 128 * 1024, actual: 128 * 1024 + 10 } });
  });

  test("a stream of exactly size bytes whose end comes late is stored (its last byte waits for that end)", async () => {
    const { backend } = await codexSetup();
    const bytes = pattern(300_000, 4);
    let reports = 0;
    const body = (async function* () {
      yield bytes.subarray(0, 100_000);
      yield bytes.subarray(100_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
    })();
    expect(await backend.put(body, { size: bytes.byteLength, progress: () => reports++ })).toBe(await backend.put(bytes));
    expect(reports).toBeGreaterThan(0);
  });
});
