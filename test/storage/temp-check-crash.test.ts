/**
 * A resumed download whose temp file is shorter than its journal says (cut between runs) keeps the
 * verified pieces the file still holds. The journal forgot every piece, then recorded those it kept,
 * in two writes: a crash between them left none journaled, and the next start fetched the whole
 * file again, pieces that were verified on disk included.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import type { FetchResult } from "../../src/storage/index.js";
import { runScript } from "../support/script-child.js";
import { tempDir } from "../support/temp-dir.js";
import { localStore, sha256Hex, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import { journalRunningDownload, shareRandomFile } from "./support/journaled-download.js";

const CHILD = fileURLToPath(new URL("./support/temp-check-crash-child.ts", import.meta.url));
const PIECES = { chunkSize: 4096, pieceSize: 32 * 1024 } as const;

test("a crash inside the resume's check of a cut temp file keeps the pieces the file still holds: the next start fetches only the others", async () => {
  const work = tempDir("scc-temp-check-");
  const { bytes, reference } = await shareRandomFile(work, 8 * PIECES.pieceSize, { pieces: PIECES });
  // A run verified pieces 0-5 into its temp file, which now holds only 0-2 (cut between runs).
  const { id, tempPath } = journalRunningDownload(work, reference, 6);
  writeFileSync(tempPath, bytes.subarray(0, 3 * PIECES.pieceSize));

  const { signal, stderr } = await runScript(CHILD, [work]);
  expect(stderr).toBe("");
  expect(signal).toBe("SIGKILL");

  const counted = new InstrumentedBackend(localStore(join(work, "store")));
  const { client } = await startClient({ dir: work, backend: counted, statePath: join(work, "state.sqlite"), dataDir: join(work, "data"), ...PIECES });
  const result = (await client.job(id).done) as FetchResult;
  expect(sha256Hex(readFileSync(result.path))).toBe(sha256Hex(bytes));
  expect(counted.gets, "pieces fetched on the resume after the crash").toBe(5);
});
