/**
 * A stream holds its last piece back until the whole file hashes right, opening it chunk by chunk
 * with a turn of the event loop between steps (OPEN_STEP_BYTES). A stream of a one-piece file
 * aborted there (the viewer closed, the client stopped) went on opening every remaining chunk of
 * the piece, 48 MiB of decryption on a phone, before it looked at its signal. It stops at the next
 * step now. The chunks opened are counted by wrapping ChunkOpener's tryOpen (every call goes to the real one).
 */
import { afterEach, expect, test } from "vitest";
import { ChunkOpener } from "../../src/crypto/index.js";
import { KiB, MiB, startClient, writeRandomFile } from "./support/client-fixture.js";

const SIZE = 48 * MiB;
const CHUNK = 64 * KiB;
const STEP_CHUNKS = (4 * MiB) / CHUNK;

const realTryOpen = ChunkOpener.prototype.tryOpen;
afterEach(() => {
  ChunkOpener.prototype.tryOpen = realTryOpen;
});

test("a stream of a 48 MiB one-piece file aborted while it opens its held-back piece stops within a step, E_ABORTED", async () => {
  const sender = await startClient({ chunkSize: CHUNK, pieceSize: SIZE });
  const { path } = writeRandomFile(sender.dir, "video.mp4", SIZE);
  const shared = await sender.client.share({ path }).done;
  expect(shared.view.pieces).toHaveLength(1);
  const { client } = await startClient({ backend: sender.backend });
  const viewer = new AbortController();
  let opened = 0;
  let openedAtAbort = -1;
  ChunkOpener.prototype.tryOpen = function (this: ChunkOpener, ...args: Parameters<ChunkOpener["tryOpen"]>) {
    opened++;
    // Two steps into the piece: the viewer is closed.
    if (opened === 2 * STEP_CHUNKS) {
      openedAtAbort = opened;
      viewer.abort();
    }
    return realTryOpen.apply(this, args);
  };
  const stream = client.fetchStream(shared.reference, { signal: viewer.signal });
  const outcome = await stream.next().then(
    () => "a chunk",
    (error: { code?: string }) => error.code,
  );
  expect(outcome).toBe("E_ABORTED");
  expect(openedAtAbort).toBe(2 * STEP_CHUNKS);
  expect(opened, `chunks opened after the abort: ${opened - openedAtAbort}`).toBeLessThanOrEqual(openedAtAbort + STEP_CHUNKS);
});
