/**
 * SIGKILL during upload and during download, again and again: each next run resumes at the first
 * piece the journal lacks, no journaled piece is ever sent (or fetched) again, and the result is
 * byte-exact.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { seededRandom } from "../support/fault-proxy/index.js";
import { tempDir } from "../support/temp-dir.js";
import { PROJECT_ROOT } from "../support/cli.js";
import { createLocalBackend } from "../../src/storage/backends/local/index.js";
import { StorageClient } from "../../src/storage/index.js";
import { sealedBufferCount } from "../../src/storage/upload/run-upload.js";
import { sha256Hex } from "./support/client-fixture.js";
import { nodeArgs } from "../support/node-args.js";

const CHILD = fileURLToPath(new URL("./support/crash-child.ts", import.meta.url));
const KILLS = 10;
/** 1.5 MiB in 16 KiB pieces: 96 pieces, so ten kills a few pieces apart leave work for the last run. */
const FILE_BYTES = 1536 * 1024;

interface RunResult {
  finished: boolean;
  progressSeen: number;
}

/**
 * Runs the child; kills it with SIGKILL after `killAfter` progress lines (undefined: let it finish)
 * once `journaledMore` says the journal holds a piece more than when the run began. A progress line
 * comes when a piece is written, its journal entry after the next sync: five kills in a row before
 * any entry (a loaded machine's slow syncs) are a crash loop, which the client then rightly fails
 * (E_CRASH_LOOP, crash-loop.test.ts), not the resume this test is about.
 */
function runChild(args: string[], killAfter: number | undefined, journaledMore: () => boolean): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs(CHILD), ...args], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let progressSeen = 0;
    let finished = false;
    let buffered = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stdout.on("data", (data: Buffer) => {
      buffered += data.toString("utf8");
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith("progress")) {
          progressSeen++;
          if (killAfter !== undefined && progressSeen >= killAfter && journaledMore()) child.kill("SIGKILL");
        }
        if (line === "done") finished = true;
      }
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL" || code === 0) resolve({ finished, progressSeen });
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

function calls(work: string): string[] {
  const path = join(work, "calls.log");
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter((l) => l !== "") : [];
}

/** What the journal says is done: upload piece digests, or the CIDs of verified download pieces. */
function journaled(work: string, mode: "upload" | "download", cids: readonly string[]): Set<string> {
  const path = join(work, `${mode}.sqlite`);
  if (!existsSync(path)) return new Set();
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    if (mode === "upload") return new Set((db.prepare(`SELECT sha256 FROM upload_pieces`).all() as { sha256: Buffer }[]).map((r) => r.sha256.toString("hex")));
    return new Set((db.prepare(`SELECT idx FROM download_pieces`).all() as { idx: number }[]).map((r) => cids[r.idx] as string));
  } catch {
    return new Set(); // the first run had not created its tables yet
  } finally {
    db.close();
  }
}

async function killRepeatedly(work: string, mode: "upload" | "download", args: string[], seed: number, cids: readonly string[] = []): Promise<number> {
  const random = seededRandom(seed);
  let kills = 0;
  for (let run = 0; ; run++) {
    const before = journaled(work, mode, cids);
    const logged = calls(work).length;
    const killAfter = kills < KILLS ? 1 + Math.floor(random() * 4) : undefined;
    const result = await runChild(args, killAfter, () => journaled(work, mode, cids).size > before.size);
    const sent = calls(work)
      .slice(logged)
      .filter((l) => l.startsWith(mode === "upload" ? "put " : "get "))
      .map((l) => l.slice(4));
    const again = sent.filter((s) => before.has(s));
    expect(again, `run ${run} (seed ${seed}) re-sent journaled pieces`).toEqual([]);
    if (result.finished) return kills;
    kills++;
    expect(run, `seed ${seed}: no end in sight`).toBeLessThan(KILLS + 5);
  }
}

/** Shares `source` in this process into `work`'s store with the child's sizes, for a download series that does not wait for the upload's. */
async function sharedHere(work: string, source: string): Promise<Uint8Array> {
  const store = createLocalBackend({ dir: join(work, "store") });
  try {
    const client = await StorageClient.open({ protocol: 3, backend: store, statePath: join(work, "sender.sqlite"), dataDir: join(work, "sender-data"), chunkSize: 4096, pieceSize: 16 * 1024, renewEveryMs: 0 });
    try {
      const { reference } = await client.share({ path: source }).done;
      writeFileSync(join(work, "ref.bin"), reference);
      return reference;
    } finally {
      await client.stop();
    }
  } finally {
    await store.close();
  }
}

/** Fetches `reference` from `work`'s store in this process: the bytes the killed upload left there. */
async function fetchedHere(work: string, reference: Uint8Array): Promise<Buffer> {
  const store = createLocalBackend({ dir: join(work, "store") });
  try {
    const client = await StorageClient.open({ protocol: 3, backend: store, statePath: join(work, "reader.sqlite"), dataDir: join(work, "reader-data"), renewEveryMs: 0 });
    try {
      const out = join(work, "check.bin");
      await client.fetch(reference, { out }).done;
      return readFileSync(out);
    } finally {
      await client.stop();
    }
  } finally {
    await store.close();
  }
}

describe("crash and resume (SIGKILL of a child process)", () => {
  test(`an upload killed ${KILLS} times resumes each time without re-sending stored pieces, and a download killed ${KILLS} times without fetching journaled pieces again; both files come back byte for byte`, async () => {
    const seed = Date.now() % 100_000;
    const pieces = FILE_BYTES / (16 * 1024);
    // The two series are independent (each its own store, journal and call log) and run side by
    // side: most of a run is its child's start, not its transfer.
    const upWork = tempDir("scc-crash-up-");
    const upSource = join(upWork, "source.bin");
    const upBytes = randomBytes(FILE_BYTES);
    writeFileSync(upSource, upBytes);
    const downWork = tempDir("scc-crash-down-");
    const downSource = join(downWork, "source.bin");
    const downBytes = randomBytes(FILE_BYTES);
    writeFileSync(downSource, downBytes);

    const uploadSeries = async (): Promise<void> => {
      const uploadKills = await killRepeatedly(upWork, "upload", ["upload", upWork, upSource], seed);
      expect(uploadKills).toBe(KILLS);
      const puts = calls(upWork).filter((l) => l.startsWith("put ")).map((l) => l.slice(4));
      expect(new Set(puts).size).toBe(pieces);
      // Only pieces being stored at a kill may have been sent twice: the window of 2 and the sealed
      // pieces waiting for the store beside it, sealedBufferCount(2) in all.
      expect(puts.length).toBeLessThanOrEqual(pieces + sealedBufferCount(2) * KILLS);
      // What the killed and resumed runs stored is the file: its reference fetches it whole.
      const fetched = await fetchedHere(upWork, readFileSync(join(upWork, "ref.bin")));
      expect(sha256Hex(fetched)).toBe(sha256Hex(upBytes));
    };

    const downloadSeries = async (): Promise<void> => {
      const reference = await sharedHere(downWork, downSource);
      const { decodeFileReference } = await import("../../src/wire/index.js");
      const cids = decodeFileReference(reference, 3).pieces.map((p) => p.cid);
      expect(cids).toHaveLength(pieces);
      const downloadKills = await killRepeatedly(downWork, "download", ["download", downWork], seed + 1, cids);
      expect(downloadKills).toBe(KILLS);
      const gets = calls(downWork).filter((l) => l.startsWith("get ")).map((l) => l.slice(4));
      expect(new Set(gets).size).toBe(pieces);
      // Only pieces not yet journaled at a kill (at most twice the window of 2) may have been fetched twice.
      expect(gets.length).toBeLessThanOrEqual(pieces + (2 + 2) * KILLS);
      expect(sha256Hex(readFileSync(join(downWork, "out.bin")))).toBe(sha256Hex(downBytes));
      // No temp file survives the finished download.
      expect(readdirSync(downWork).filter((n) => n.endsWith(".part"))).toEqual([]);
    };

    // Both run to their end before the test does, so a failing one leaves no child of the other running.
    for (const settled of await Promise.allSettled([uploadSeries(), downloadSeries()])) if (settled.status === "rejected") throw settled.reason;
  }, 120_000);
});
