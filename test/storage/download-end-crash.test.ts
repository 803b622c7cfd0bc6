/**
 * A download that fails or is cancelled writes its journal row, then removes its temp file
 * (`<dest>.<id8>.part`). A crash in between left the file for ever; a starting client now removes
 * the temp files of ended downloads, and only theirs.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, test } from "vitest";
import type { GetOptions, GetResult, StorageBackend } from "../../src/storage/backend.js";
import { ForwardingBackend } from "./support/forwarding-backend.js";
import { runScript } from "../support/script-child.js";
import { tempDir } from "../support/temp-dir.js";
import { localStore, startClient } from "./support/client-fixture.js";
import { shareRandomFile } from "./support/journaled-download.js";

const CHILD = fileURLToPath(new URL("./support/download-end-crash-child.ts", import.meta.url));
const PIECES = { chunkSize: 4096, pieceSize: 32 * 1024 } as const;

interface DownloadRow {
  id: string;
  state: string;
  temp_path: string;
  dest_path: string;
}

/** Shares 256 KiB (8 pieces) into <work>/store and leaves its reference in <work>/ref.bin. */
async function prepare(work: string): Promise<{ pieceDigests: string[] }> {
  const { reference, view } = await shareRandomFile(work, 256 * 1024, { pieces: PIECES });
  writeFileSync(join(work, "ref.bin"), reference);
  return { pieceDigests: view.pieces.map((p) => Buffer.from(p.sha256).toString("hex")) };
}

async function killedChild(work: string, mode: "fail" | "cancel" | "midway"): Promise<NodeJS.Signals | null> {
  const { signal, stderr } = await runScript(CHILD, [work, mode]);
  if (stderr !== "") throw new Error(stderr);
  return signal;
}

function downloads(work: string): DownloadRow[] {
  const db = new Database(join(work, "state.sqlite"), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT id, state, temp_path, dest_path FROM download_jobs ORDER BY created_at, id`).all() as DownloadRow[];
  } finally {
    db.close();
  }
}

function piecesOf(work: string, id: string): number {
  const db = new Database(join(work, "state.sqlite"), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT count(*) FROM download_pieces WHERE job_id = ?`).pluck().get(id) as number;
  } finally {
    db.close();
  }
}

/** A local store whose reads never answer (until the call is aborted): a job that runs writes nothing. */
function hangingStore(dir: string): StorageBackend {
  // A wrapper, not a spread of the store: a spread copies no method of its class (the client refuses such a backend).
  return new (class extends ForwardingBackend {
    override get(_cid: string, options?: GetOptions): Promise<GetResult> {
      return new Promise((_resolve, reject) => {
        options?.signal?.addEventListener("abort", () => reject(options.signal?.reason), { once: true });
      });
    }
  })(localStore(dir));
}

describe("a crash between a download's end in the journal and the removal of its temp file", () => {
  test.each([
    ["fail", "failed"],
    ["cancel", "cancelled"],
  ] as const)("%s: the next start removes the temp file and forgets its pieces", async (mode, state) => {
    const work = tempDir("scc-download-end-");
    const { pieceDigests } = await prepare(work);
    // The last piece is gone from the store: that download fails once the others are written.
    if (mode === "fail") rmSync(join(work, "store", "blocks", (pieceDigests.at(-1) as string).slice(0, 2), pieceDigests.at(-1) as string));
    expect(await killedChild(work, mode)).toBe("SIGKILL");
    const [row] = downloads(work);
    expect(row?.state).toBe(state);
    expect(existsSync((row as DownloadRow).temp_path)).toBe(true);

    await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data"), ...PIECES });
    expect(existsSync((row as DownloadRow).temp_path)).toBe(false);
    expect(existsSync((row as DownloadRow).dest_path)).toBe(false);
    expect(piecesOf(work, (row as DownloadRow).id)).toBe(0);
    expect(downloads(work)[0]?.state).toBe(state);
  });

  test("the temp files of a running and a queued download are left as they are", async () => {
    const work = tempDir("scc-download-end-");
    await prepare(work);
    expect(await killedChild(work, "midway")).toBe("SIGKILL");
    const [running] = downloads(work);
    expect(running?.state).toBe("downloading");
    // Two more rows of the same reference, each with its temp file: one queued, one failed.
    const db = new Database(join(work, "state.sqlite"));
    const insert = db.prepare(
      `INSERT INTO download_jobs (id, state, file_reference, dest_path, temp_path, attempts, last_error, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)`,
    );
    const extra = (state: string): DownloadRow => {
      const id = randomUUID();
      const dest = join(work, `out-${state}.bin`);
      const row = { id, state, dest_path: dest, temp_path: `${dest}.${id.slice(0, 8)}.part` };
      const at = Date.now();
      insert.run(id, state, readFileSync(join(work, "ref.bin")), dest, row.temp_path, state === "failed" ? "E_NOT_FOUND: gone" : null, at, at);
      writeFileSync(row.temp_path, randomBytes(40_000));
      return row;
    };
    const queued = extra("queued");
    const failed = extra("failed");
    db.close();
    const before = new Map([running as DownloadRow, queued].map((r) => [r.temp_path, readFileSync(r.temp_path)]));

    // One job at a time, and a store that never answers: the running job reads its verified pieces back and waits; nothing is written.
    const store = hangingStore(join(work, "store"));
    const { client } = await startClient({ dir: work, statePath: join(work, "state.sqlite"), dataDir: join(work, "data"), backend: store, jobsInFlight: 1, ...PIECES });
    expect(existsSync(failed.temp_path)).toBe(false);
    for (const [path, bytes] of before) expect(readFileSync(path).equals(bytes), path).toBe(true);
    await client.stop();
    await store.close();
  });
});
