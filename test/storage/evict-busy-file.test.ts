/**
 * docs/storage.md (Limits, Quota): least recently used cached files are evicted to make room. A
 * cached file that cannot be removed right now (on Windows, a video still open in the player the
 * app handed its path to: EBUSY) failed every download needing room, E_LOCAL_IO, for as long as it
 * stayed open: it was always the first victim, and its failed removal ended the eviction. Such a
 * file is passed over (kept, and counted) and the next least recently used one goes instead.
 * The refusal is the OS's own errno through a mocked unlinkSync on that one path, as the
 * filesystem-fault tests do for open and rename.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, type PathLike } from "node:fs";
import { describe, expect, test, vi } from "vitest";
import { bytesKeptIn, KiB, startClient } from "./support/client-fixture.js";

const fault = vi.hoisted(() => ({ path: "", refused: 0 }));

vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  const unlinkSync = (path: PathLike): void => {
    if (fault.path !== "" && String(path) === fault.path) {
      fault.refused++;
      throw Object.assign(new Error(`EBUSY: resource busy or locked, unlink '${String(path)}'`), { code: "EBUSY", errno: -16, syscall: "unlink", path: String(path) });
    }
    real.unlinkSync(path);
  };
  return { ...real, default: { ...real, unlinkSync }, unlinkSync };
});

describe("a cached file that cannot be removed now is passed over by eviction", () => {
  test("the least recently used file is open elsewhere (EBUSY): the next one is evicted and the download is delivered; the open one goes once it can", async () => {
    const sender = await startClient();
    const refs: Uint8Array[] = [];
    for (let i = 0; i < 4; i++) refs.push((await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: `v${i}.mp4` }).done).reference);
    const clock = { t: Date.UTC(2026, 5, 1) };
    const receiver = await startClient({ backend: sender.backend, quotaBytes: 250 * KiB, clock: { now: () => clock.t } });
    const paths: string[] = [];
    for (const ref of refs.slice(0, 2)) {
      clock.t += 1000;
      paths.push((await receiver.client.fetch(ref).done).path);
    }
    // The least recently used one is playing.
    fault.path = paths[0] as string;
    try {
      clock.t += 1000;
      const third = await receiver.client.fetch(refs[2] as Uint8Array).done;
      expect(existsSync(third.path)).toBe(true);
      expect(fault.refused).toBeGreaterThan(0);
      expect(existsSync(paths[0] as string), "the open file, passed over").toBe(true);
      expect(existsSync(paths[1] as string), "the next least recently used file").toBe(false);
      expect(receiver.client.usage().usedBytes).toBe(bytesKeptIn(receiver.dataDir));
      expect(bytesKeptIn(receiver.dataDir)).toBeLessThanOrEqual(250 * KiB);
    } finally {
      fault.path = "";
    }
    // Closed since: the next download that needs room evicts it (still the least recently used).
    clock.t += 1000;
    await receiver.client.fetch(refs[3] as Uint8Array).done;
    expect(existsSync(paths[0] as string)).toBe(false);
    expect(receiver.client.usage().usedBytes).toBe(bytesKeptIn(receiver.dataDir));
  });

  test("a cached file the app wrote to and still holds open (EBUSY) does not fail the download that needs room: the next least recently used file goes", async () => {
    const sender = await startClient();
    const refs: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) refs.push((await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: `d${i}.txt` }).done).reference);
    const clock = { t: Date.UTC(2026, 5, 1) };
    const receiver = await startClient({ backend: sender.backend, quotaBytes: 250 * KiB, clock: { now: () => clock.t } });
    const paths: string[] = [];
    for (const ref of refs.slice(0, 2)) {
      clock.t += 1000;
      paths.push((await receiver.client.fetch(ref).done).path);
    }
    // Edited in place by the app, and still open in it.
    appendFileSync(paths[0] as string, randomBytes(KiB));
    fault.path = paths[0] as string;
    try {
      clock.t += 1000;
      const third = await receiver.client.fetch(refs[2] as Uint8Array).done;
      expect(existsSync(third.path)).toBe(true);
      expect(fault.refused).toBeGreaterThan(0);
      expect(existsSync(paths[1] as string), "the next least recently used file").toBe(false);
    } finally {
      fault.path = "";
    }
  });

  test("when the only file that could go cannot be removed, the download fails E_LOCAL_IO naming the OS's code, and the file stays counted", async () => {
    const sender = await startClient();
    const refs: Uint8Array[] = [];
    for (let i = 0; i < 2; i++) refs.push((await sender.client.share({ bytes: randomBytes(100 * KiB), fileName: `v${i}.mp4` }).done).reference);
    const receiver = await startClient({ backend: sender.backend, quotaBytes: 150 * KiB });
    const first = await receiver.client.fetch(refs[0] as Uint8Array).done;
    fault.path = first.path;
    try {
      await expect(receiver.client.fetch(refs[1] as Uint8Array).done).rejects.toMatchObject({ code: "E_LOCAL_IO", details: { code: "EBUSY" } });
    } finally {
      fault.path = "";
    }
    expect(existsSync(first.path)).toBe(true);
    expect(receiver.client.usage()).toMatchObject({ usedBytes: 100 * KiB, reservedBytes: 0 });
  });
});
