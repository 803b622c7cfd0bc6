import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test, vi } from "vitest";
import { ChunkOpener } from "../../src/crypto/index.js";
import { OpenSteps } from "../../src/storage/download/open-steps.js";
import { StorageError } from "../../src/storage/index.js";
import { decodeFileReference, encodeFileReference } from "../../src/wire/index.js";
import { KiB, MiB, startClient, writeRandomFile } from "./support/client-fixture.js";

// A sender whose one piece is the whole file (the receiver accepts pieces up to maxPieceBytes).
const CHUNK = 64 * KiB;
const SIZE = 20 * MiB;
const CHUNKS = SIZE / CHUNK;
const STEP = new OpenSteps(CHUNK).perStep;

async function onePieceFile() {
  const setup = await startClient({ chunkSize: CHUNK, pieceSize: SIZE });
  const { path, bytes } = writeRandomFile(setup.dir, "whole.bin", SIZE);
  const shared = await setup.client.share({ path }).done;
  expect(shared.view.pieces).toHaveLength(1);
  return { ...setup, bytes, shared };
}

/**
 * Counts the chunks node:crypto opens (each a new Buffer only the collector frees) and the most
 * opened within one turn of the event loop, where the collector cannot run its tasks.
 */
function watchOpens() {
  const outputs: Buffer[] = [];
  let sinceTurn = 0;
  let mostInOneTurn = 0;
  const real = ChunkOpener.prototype.tryOpen;
  vi.spyOn(ChunkOpener.prototype, "tryOpen").mockImplementation(function (this: ChunkOpener, ...args: Parameters<ChunkOpener["tryOpen"]>) {
    const body = real.apply(this, args);
    if (body !== undefined) outputs.push(body);
    mostInOneTurn = Math.max(mostInOneTurn, ++sinceTurn);
    return body;
  });
  let ticking = true;
  const tick = (): void => {
    sinceTurn = 0;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    outputs,
    mostInOneTurn: () => mostInOneTurn,
    stop: () => {
      ticking = false;
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("one-piece files: chunks are opened a step at a time, and a stream opens its held-back last piece once, in its slot", () => {
  test("a download opens a 20 MiB piece at most a step's worth of chunks per turn of the event loop, and the file is right", async () => {
    const { client, dir, bytes, shared } = await onePieceFile();
    const watch = watchOpens();
    const out = join(dir, "out", "whole.bin");
    await client.fetch(shared.reference, { out }).done;
    watch.stop();
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(watch.outputs).toHaveLength(CHUNKS);
    // Before: all 320 in one synchronous loop. One step, plus at most one more finishing in the same turn.
    expect(watch.mostInOneTurn()).toBeLessThanOrEqual(2 * STEP);
  });

  test("a stream opens the held-back piece once, in its own sealed slot, and hands it out once the file hash matched: every chunk opened once, no handed-out buffer is one node:crypto made", async () => {
    const { client, bytes, shared } = await onePieceFile();
    const watch = watchOpens();
    const parts: Buffer[] = [];
    const openedWhenHandedOut: number[] = [];
    for await (const part of client.fetchStream(shared.reference)) {
      parts.push(part);
      openedWhenHandedOut.push(watch.outputs.length);
    }
    watch.stop();
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
    // Before: once for the whole-file hash and once more as handed out (640 for 320 chunks).
    expect(watch.outputs).toHaveLength(CHUNKS);
    const opened = new Set(watch.outputs);
    expect(parts.filter((p) => opened.has(p))).toHaveLength(0);
    // Nothing is handed out before every chunk was opened and the file hash matched.
    openedWhenHandedOut.forEach((n) => expect(n).toBe(CHUNKS));
    // Each handed-out buffer is the consumer's own, not a view into the client's slot (pool slots are shared memory).
    expect(parts.some((p) => p.buffer instanceof SharedArrayBuffer)).toBe(false);
    expect(watch.mostInOneTurn()).toBeLessThanOrEqual(2 * STEP);
  });

  test("a one-piece file whose reference lies about its sha256: the stream hands out nothing and fails E_INTEGRITY", async () => {
    const { client, shared } = await onePieceFile();
    const view = decodeFileReference(shared.reference, 3);
    view.pieces = view.pieces.map((p) => ({ cid: p.cid, size: p.size, sha256: p.sha256 }));
    view.plaintextSha256 = new Uint8Array(32).fill(7);
    const lying = encodeFileReference(view, 3);
    let handedOut = 0;
    const error = await (async () => {
      for await (const part of client.fetchStream(lying)) handedOut += part.byteLength;
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("E_INTEGRITY");
    expect(handedOut).toBe(0);
  });
});
