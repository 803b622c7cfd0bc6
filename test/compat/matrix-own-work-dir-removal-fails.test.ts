import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { runMatrix, type MatrixCheck } from "../../src/compat/index.js";
import { createLogger } from "../../src/obs/index.js";
import { releaseTable } from "../../src/versions/index.js";
import { holdRemovalOfWrittenFolders, type HeldFolderRemoval } from "../support/held-folder-removal.js";
import { tempDir } from "../support/temp-dir.js";

// A process writing files into the run's work folder until it is killed, as a storage node whose
// data folder is there would after its check was abandoned past the deadline: the folder's
// removal at the end races with it (ENOTEMPTY). A tight loop over few names keeps putting entries
// back into folders the removal has just emptied, and the tree small. It is started before the run
// and told the folder on stdin: started inside the cell, a node start slower than the cell's 2 s
// deadline on a loaded machine (seen in a folder run at load 28) had written nothing when the
// removal ran, which then succeeded, and the test failed.
const WRITER = `
const { mkdirSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
process.stdin.once("data", (chunk) => {
  const dir = chunk.toString("utf8").trim();
  for (let i = 0; ; i++) {
    const d = join(dir, "store", "b" + (i % 5));
    // The removal may take a folder between the two calls (ENOENT): a writer that died of it let
    // the removal's retry find the folder quiet and win (seen once in a fresh-clone CI run).
    try {
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, "f" + (i % 200)), "");
    } catch {}
    if (i === 0) process.stdout.write("writing\\n");
  }
});
process.stdout.write("ready\\n");`;

let writers: ChildProcess[] = [];
let tmp = "";
const savedTmpdir = process.env["TMPDIR"];
/** The work folder the writer writes into, once it does. */
let writing: string | undefined;
let removal: HeldFolderRemoval | undefined;

beforeEach(() => {
  // The run makes its own folder under os.tmpdir(), which reads TMPDIR at each call.
  tmp = tempDir("scc-matrix-own-work-");
  process.env["TMPDIR"] = tmp;
  writing = undefined;
  // The race, decided for the writer (a removal reaching its last rmdir between two of the writer's
  // entries won it, and the test failed): test/support/held-folder-removal.ts.
  removal = holdRemovalOfWrittenFolders(
    (folder) => writing !== undefined && (folder === writing || folder === join(writing, "store") || dirname(folder) === join(writing, "store")),
  );
});

afterEach(async () => {
  removal?.restore();
  if (savedTmpdir === undefined) delete process.env["TMPDIR"];
  else process.env["TMPDIR"] = savedTmpdir;
  await Promise.all(
    writers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.exitCode !== null || w.signalCode !== null) return resolve();
          w.once("exit", () => resolve());
          w.kill("SIGKILL");
        }),
    ),
  );
  writers = [];
});

/** On the last cell of the run, leaves a writer in the work folder and ignores its signal; passes elsewhere. */
async function deafWriterCheck(onWriting?: () => void): Promise<MatrixCheck> {
  const writer = spawn(process.execPath, ["-e", WRITER], { stdio: ["pipe", "pipe", "inherit"] });
  writers.push(writer);
  await once(writer.stdout!, "data"); // ready: node has started
  return {
    column: "storage",
    proves: "a stand-in that leaves a process writing into the work folder on one row",
    async run({ direction, pair, workDir }) {
      if (direction === "newer-to-older" && pair.newer.release === releaseTable.newest.release) {
        writer.stdin!.write(`${workDir}\n`);
        await once(writer.stdout!, "data");
        writing = workDir;
        onWriting?.();
        return new Promise<never>(() => undefined);
      }
      return { status: "pass", detail: "ok" };
    },
  };
}

function capturedLogger(): { logger: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  const lines = (): Array<Record<string, unknown>> =>
    chunks.join("").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger: createLogger({ level: "warn", destination }), lines };
}

describe("runMatrix() without workDir: its own work folder cannot be removed at the end", () => {
  test("a check past its deadline left a process writing into it: the finished run's report is still returned, naming the folder left (leftoverWorkDir) and logging a warning; the removal's ENOTEMPTY rejected the run and the report was lost", async () => {
    const { logger, lines } = capturedLogger();
    const report = await runMatrix({ checks: [await deafWriterCheck()], cellTimeoutMs: 2_000, logger });
    expect(report.ok).toBe(false);
    expect(report.counts).toEqual({ pass: releaseTable.adjacentPairs().length * 2 - 1, fail: 1 });
    expect(report.rows.at(-1)?.cells.storage?.detail).toMatch(/did not finish within 2 s/);
    const [made] = readdirSync(tmp);
    expect(made).toMatch(/^status-compat-matrix-/);
    const left = join(tmp, made!);
    expect(report.leftoverWorkDir).toBe(left);
    expect(existsSync(left)).toBe(true);
    const warning = lines().find((l) => l["msg"] === "the matrix could not remove its work folder; remove it by hand");
    expect(warning, JSON.stringify(lines())).toMatchObject({ level: 40, workDir: left, code: "ENOTEMPTY" });
    // Where this Node's removal can be held, it was: the ENOTEMPTY is the kernel's, not a lucky race.
    expect(removal?.held).toBe(removal?.holdable);
  }, 30_000);

  test("a run stopped by its signal while such a writer runs rejects with the signal's reason, not the removal's ENOTEMPTY, and the folder left is logged", async () => {
    const { logger, lines } = capturedLogger();
    const stop = new AbortController();
    const reason = new Error("stopped by the caller");
    const run = runMatrix({
      checks: [await deafWriterCheck(() => setTimeout(() => stop.abort(reason), 200))],
      cellTimeoutMs: 60_000,
      signal: stop.signal,
      logger,
    });
    await expect(run).rejects.toBe(reason);
    const [made] = readdirSync(tmp);
    const warning = lines().find((l) => l["msg"] === "the matrix could not remove its work folder; remove it by hand");
    expect(warning, JSON.stringify(lines())).toMatchObject({ workDir: join(tmp, made!), code: "ENOTEMPTY" });
  }, 30_000);

  test("a run whose folder goes as usual reports no folder left and leaves nothing in the temp folder", async () => {
    const report = await runMatrix({ checks: [{ column: "storage", proves: "passes", run: async () => ({ status: "pass", detail: "ok" }) }] });
    expect(report.ok).toBe(true);
    expect(report.leftoverWorkDir).toBeUndefined();
    expect(readdirSync(tmp)).toEqual([]);
  });
});
