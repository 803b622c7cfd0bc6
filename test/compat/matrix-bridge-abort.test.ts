/**
 * The bridge check, its signal aborted mid-check (the cell's deadline, or the embedding app
 * stopping the run): it must end with the signal's reason and close what it opened (receivers,
 * state files, the store, the network), or an abandoned cell kept them inside the process. The
 * abort comes when the control node logs a chosen publication, so it lands mid-check, not at a
 * time guessed.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, test } from "vitest";
import { MATRIX_CHECKS, type DirectionContext } from "../../src/compat/index.js";
import { createLogger } from "../../src/obs/index.js";
import { releaseProfile, releaseTable } from "../../src/versions/index.js";
import { tempDir } from "../support/temp-dir.js";

const bridge = MATRIX_CHECKS.find((c) => c.column === "bridge")!;

/** The bridge check of `writer` → `reader`, its signal aborted at the first log line `when` picks. */
function checkAbortedAt(writer: string, reader: string, when: (line: Record<string, unknown>) => boolean) {
  const workDir = tempDir("scc-matrix-bridge-abort-");
  const controller = new AbortController();
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = JSON.parse(chunk.toString("utf8")) as Record<string, unknown>;
      if (!controller.signal.aborted && when(line)) controller.abort(new Error("the embedding app stopped the matrix"));
      done();
    },
  });
  const [w, r] = [releaseTable.resolve(writer), releaseTable.resolve(reader)];
  const [older, newer] = w.protocol < r.protocol ? [w, r] : [r, w];
  const direction = w === older ? "older-to-newer" : "newer-to-older";
  const ctx: DirectionContext = {
    writer: releaseProfile(w, releaseTable),
    reader: releaseProfile(r, releaseTable),
    direction,
    pair: { older, newer, once: (_key, make) => make(controller.signal) },
    workDir,
    signal: controller.signal,
    logger: createLogger({ level: "debug", destination }),
  };
  return { run: bridge.run(ctx), dir: join(workDir, `bridge-${writer}-to-${reader}-${direction}`) };
}

describe("matrix bridge check: its signal aborted mid-check", () => {
  test.each([
    ["0.2.0", "0.3.0", 2],
    ["0.3.0", "0.2.0", 3],
  ] as const)("%s → %s, after clock %i went out: the check ends with the signal's reason, every state file it opened closed (no -wal left)", async (writer, reader, clock) => {
    const { run, dir } = checkAbortedAt(writer, reader, (line) => line["msg"] === "description published" && line["clock"] === clock);
    await expect(run).rejects.toThrow("the embedding app stopped the matrix");
    const files = readdirSync(dir);
    expect(files).toContain("member.sqlite");
    expect(files.filter((f) => f.endsWith("-wal"))).toEqual([]);
    expect(existsSync(join(dir, "store"))).toBe(true);
  });

  test("0.2.0 → 0.3.0, while the new joiner's state file is being made (its first migration): the check ends with the signal's reason, the other state files closed, the joiner's never made (no draft left as a file)", async () => {
    // The joiner's state file is made after the last publication; its migrations are the only ones after it.
    let published = false;
    const { run, dir } = checkAbortedAt("0.2.0", "0.3.0", (line) => {
      if (line["msg"] === "description published" && line["clock"] === 3) published = true;
      return published && String(line["msg"]).startsWith("migration applied");
    });
    await expect(run).rejects.toThrow("the embedding app stopped the matrix");
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(["member.sqlite", "lossy.sqlite"]));
    expect(files.filter((f) => f.startsWith("joiner") || f.endsWith("-wal"))).toEqual([]);
  });
});
