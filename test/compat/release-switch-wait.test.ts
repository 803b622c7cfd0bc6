import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { releaseSwitch } from "../../src/compat/matrix/checks/release-switch.js";
import type { DirectionContext, PairScope } from "../../src/compat/index.js";
import { silentLogger } from "../../src/obs/index.js";
import { releaseProfile, releaseTable } from "../../src/versions/index.js";
import { tempDir } from "../support/temp-dir.js";

function bytes(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0, round = 0; offset < size; round++) offset += createHash("sha512").update(`${seed}/${round}`).digest().copy(out, offset);
  return out;
}

function upgradeContext(workDir: string, signal: AbortSignal): DirectionContext {
  const [older, newer] = releaseTable.adjacentPairs().at(-1)!;
  const memo = new Map<string, Promise<unknown>>();
  const pair: PairScope = {
    older,
    newer,
    once: <T>(key: string, make: (signal: AbortSignal) => Promise<T>) => {
      if (!memo.has(key)) memo.set(key, make(signal));
      return memo.get(key) as Promise<T>;
    },
  };
  return { writer: releaseProfile(older), reader: releaseProfile(newer), direction: "older-to-newer", pair, workDir, signal, logger: silentLogger() };
}

describe("the release switch's wait for the upload and the download to reach the switch point", () => {
  test("a job that ends before it (here the upload, of a file of one piece) ends the wait at once, saying which and how; the wait went on to its own 30 s and then reported a time-out", async () => {
    const dir = tempDir("scc-switch-wait-");
    const started = performance.now();
    const content = (size: number, seed: string): Buffer => bytes(seed.endsWith("/sent") ? 1000 : size, seed);
    const failure = await releaseSwitch(upgradeContext(dir, new AbortController().signal), dir, content).then(
      () => new Error("the switch passed"),
      (error: unknown) => error as Error,
    );
    expect(failure.message).toMatch(/the upload finished before it reached piece 3/);
    expect(performance.now() - started).toBeLessThan(15_000);
  }, 60_000);
});
