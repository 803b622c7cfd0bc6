/**
 * A resumed download whose temp file is shorter than its journal says (cut between runs) keeps the
 * verified pieces the file still holds. The journal forgot every piece, then recorded those it kept,
 * in two writes: a crash between them left none journaled, and the next start fetched the whole
 * file again, pieces that were verified on disk included.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { expect, test } from "vitest";
import { StorageClient, type FetchResult } from "../../src/storage/index.js";
import { runScript } from "../support/script-child.js";
import { tempDir } from "../support/temp-dir.js";
import { localStore, sha256Hex, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

const CHILD = fileURLToPath(new URL("./support/temp-check-crash-child.ts", import.meta.url));
const PIECES = { chunkSize: 4096, pieceSize: 32 * 1024 } as const;

test("a crash inside the resume's check of a cut temp file keeps the pieces the file still holds: the next start fetches only the others", async () => {
  const work = tempDir("scc-temp-check-");
  const bytes = randomBytes(8 * PIECES.pieceSize);
  const store = localStore(join(work, "store"));
  const sender = await StorageClient.open({ protocol: 3, backend: store, statePath: join(work, "state.sqlite"), dataDir: join(work, "data"), renewEveryMs: 0, ...PIECES });
  writeFileSync(join(work, "source.bin"), bytes);
  const shared = await sender.share({ path: join(work, "source.bin") }).done;
  await sender.stop();
  // A run verified pieces 0-5 into its temp file, which now holds only 0-2 (cut between runs).
  const id = randomUUID();
  const dest = join(work, "out.bin");
  writeFileSync(`${dest}.part`, bytes.subarray(0, 3 * PIECES.pieceSize));
  const db = new Database(join(work, "state.sqlite"));
  const at = Date.now();
  db.prepare(`INSERT INTO download_jobs (id, state, file_reference, dest_path, temp_path, attempts, created_at, updated_at) VALUES (?, 'downloading', ?, ?, ?, 1, ?, ?)`).run(
    id,
    Buffer.from(shared.reference),
    dest,
    `${dest}.part`,
    at,
    at,
  );
  for (let i = 0; i < 6; i++) db.prepare(`INSERT INTO download_pieces (job_id, idx, verified_at) VALUES (?, ?, ?)`).run(id, i, at);
  db.close();

  const { signal, stderr } = await runScript(CHILD, [work]);
  expect(stderr).toBe("");
  expect(signal).toBe("SIGKILL");

  const counted = new InstrumentedBackend(store);
  const { client } = await startClient({ dir: work, backend: counted, statePath: join(work, "state.sqlite"), dataDir: join(work, "data"), ...PIECES });
  const result = (await client.job(id).done) as FetchResult;
  expect(sha256Hex(readFileSync(result.path))).toBe(sha256Hex(bytes));
  expect(counted.gets, "pieces fetched on the resume after the crash").toBe(5);
});
