/**
 * runMatrix, embedded as a library, abandons a cell whose check ignores its aborted signal (its
 * deadline passed, or the run was stopped): the check kept running inside the embedding process,
 * its storage clients uploading and fetching, their state locks and work folders held. The storage
 * check must stop its clients when its signal aborts and end with the signal's reason. The abort
 * comes when the check's clients log a chosen step, so it lands mid-check, not at a time guessed.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, test } from "vitest";
import { MATRIX_CHECKS, type DirectionContext } from "../../src/compat/index.js";
import { createLogger } from "../../src/obs/index.js";
import { createLocalBackend, StorageClient } from "../../src/storage/index.js";
import { releaseTable } from "../../src/versions/index.js";
import { releaseProfile } from "../../src/versions/profile.js";
import { tempDir } from "../support/temp-dir.js";

const storage = MATRIX_CHECKS.find((c) => c.column === "storage")!;

/** The storage check of the 0.2.0 → 0.3.0 direction, its signal aborted at the first log line `when` picks. */
function checkAbortedAt(when: (line: Record<string, unknown>, seen: Record<string, unknown>[]) => boolean) {
  const workDir = tempDir("scc-matrix-storage-abort-");
  const controller = new AbortController();
  const seen: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = JSON.parse(chunk.toString("utf8")) as Record<string, unknown>;
      seen.push(line);
      if (!controller.signal.aborted && when(line, seen)) controller.abort(new Error("the embedding app stopped the matrix"));
      done();
    },
  });
  const [older, newer] = releaseTable.adjacentPairs().find(([o]) => o.writes.includes("file-reference"))!;
  const ctx: DirectionContext = {
    writer: releaseProfile(older, releaseTable),
    reader: releaseProfile(newer, releaseTable),
    direction: "older-to-newer",
    pair: { older, newer, once: (_key, make) => make(controller.signal) },
    workDir,
    signal: controller.signal,
    logger: createLogger({ level: "info", destination }),
  };
  const dir = join(workDir, `storage-${ctx.writer.protocol}-to-${ctx.reader.protocol}-older-to-newer`);
  return { run: storage.run(ctx), workDir, dir, seen };
}

/** A client can be started on these folders at once: the check's client on them stopped, its lock released. */
async function lockFree(statePath: string, dataDir: string, storeDir: string): Promise<void> {
  const backend = createLocalBackend({ dir: storeDir });
  try {
    const client = await StorageClient.open({ protocol: 2, backend, statePath, dataDir, renewEveryMs: 0 });
    await client.stop();
  } finally {
    await backend.close();
  }
}

describe("matrix storage check: its signal aborted mid-check", () => {
  test("during the first upload: the check ends with the signal's reason, its clients stopped (the writer's lock free), nothing fetched after", async () => {
    const { run, workDir, dir } = checkAbortedAt((line) => line["msg"] === "job state" && line["kind"] === "upload" && line["state"] === "uploading");
    await expect(run).rejects.toThrow("the embedding app stopped the matrix");
    await lockFree(join(dir, "writer.sqlite"), join(dir, "writer"), join(dir, "network"));
    expect(existsSync(join(dir, "received-video.mp4")), "a file fetched after the abort").toBe(false);
    rmSync(workDir, { recursive: true });
  });

  test("during the release switch, once the next release's client started: the check ends with the signal's reason, that client stopped", async () => {
    let started = 0;
    const { run, workDir, dir } = checkAbortedAt((line) => line["msg"] === "storage client started" && ++started === 5);
    await expect(run).rejects.toThrow("the embedding app stopped the matrix");
    const switchDir = join(dir, "switch");
    await lockFree(join(switchDir, "state.sqlite"), join(switchDir, "data"), join(switchDir, "network"));
    rmSync(workDir, { recursive: true });
  });
});
