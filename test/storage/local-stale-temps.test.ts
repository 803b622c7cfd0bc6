/**
 * Temp files a crash left in the local store's incoming/ are removed once they are an hour old
 * (docs/storage.md). The app restarted right after the crash, so at its first put the leftover was
 * minutes old and kept; a desktop session runs for days, and only the first put ever looked: the
 * leftover (a whole piece per put in flight) held its disk space for the whole session.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test, vi } from "vitest";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { tempDir } from "../support/temp-dir.js";

const HOUR_MS = 60 * 60 * 1000;

afterEach(() => {
  vi.useRealTimers();
});

describe("local store: temp files a crash left", () => {
  test("a leftover still fresh at the first put is removed by a put once it is an hour old, in the same long-running session; a put's own temp file is never touched", async () => {
    const dir = tempDir("scc-local-stale-");
    const incoming = join(dir, "incoming");
    mkdirSync(incoming, { recursive: true });
    // What the crash a minute before this start left: a piece's temp file.
    const leftover = join(incoming, "0b3c3a4e-crashed.part");
    writeFileSync(leftover, randomBytes(64 * 1024));
    // Only Date is faked: the session's clock moves on, timers and I/O stay real.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const store = createLocalBackend({ dir });
    await store.put(randomBytes(1000));
    expect(existsSync(leftover)).toBe(true);
    // A put of this session whose source paused (a recording on hold): its temp file is as old.
    let resume!: () => void;
    const paused = new Promise<void>((resolve) => (resume = resolve));
    let firstBytes!: () => void;
    const started = new Promise<void>((resolve) => (firstBytes = resolve));
    const content = randomBytes(2000);
    async function* recording(): AsyncGenerator<Uint8Array> {
      yield content.subarray(0, 1000);
      firstBytes();
      await paused;
      yield content.subarray(1000);
    }
    const holding = store.put(recording());
    await started;
    expect(readdirSync(incoming)).toHaveLength(2);
    vi.setSystemTime(Date.now() + 2 * HOUR_MS);
    const cid = await store.put(randomBytes(1000));
    expect(existsSync(leftover)).toBe(false);
    expect(await store.has(cid)).toBe(true);
    expect(readdirSync(incoming)).toHaveLength(1);
    resume();
    const held = await holding;
    const parts: Buffer[] = [];
    for await (const chunk of (await store.get(held)).body) parts.push(Buffer.from(chunk));
    expect(Buffer.concat(parts).equals(content)).toBe(true);
    await store.close();
  });
});
