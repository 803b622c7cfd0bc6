/**
 * A streamed put refused before it read a byte (the backend closed: E_CLIENT_CLOSED; the caller's
 * signal already aborted: E_ABORTED; a body yielding text) never handed its source back, though
 * docs/codex-backend.md says a put that fails gives its iterable up: a file read stream given as the
 * body kept its descriptor open for the life of the process (a Node stream's iterator closes the
 * stream only once reading began). The source is now handed back, a Readable destroyed.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, test } from "vitest";
import { tempDir } from "../support/temp-dir.js";
import { codexSetup, eventually, storageError } from "./codex-fixtures.js";

function fileStream(): ReturnType<typeof createReadStream> {
  const path = join(tempDir("scc-codex-refused-"), "video.bin");
  writeFileSync(path, randomBytes(256 * 1024));
  return createReadStream(path);
}

describe("a streamed put the Codex backend refuses before reading", () => {
  test("on a closed backend: E_CLIENT_CLOSED, the file stream destroyed and its descriptor closed", async () => {
    const { backendWith } = await codexSetup();
    const backend = backendWith({});
    await backend.close();
    const source = fileStream();
    await storageError(backend.put(source, { size: 256 * 1024 }), "E_CLIENT_CLOSED");
    expect(source.destroyed).toBe(true);
    // The descriptor's close is a libuv round trip (after the stream's own open, on a loaded machine later).
    expect(await eventually(() => source.closed), "the file stream's descriptor closed").toBe(true);
  });

  test("with the caller's signal already aborted: E_ABORTED, the file stream destroyed", async () => {
    const { backend, server } = await codexSetup();
    const source = fileStream();
    await storageError(backend.put(source, { signal: AbortSignal.abort() }), "E_ABORTED");
    expect(source.destroyed).toBe(true);
    // The descriptor's close is a libuv round trip (after the stream's own open, on a loaded machine later).
    expect(await eventually(() => source.closed), "the file stream's descriptor closed").toBe(true);
    expect(server.stats.requests).toBe(0);
  });

  test("a stream of text: E_BACKEND_REJECTED, the stream destroyed", async () => {
    const { backend } = await codexSetup();
    const source = Readable.from(["some text", "more text"]);
    await storageError(backend.put(source), "E_BACKEND_REJECTED");
    expect(await eventually(() => source.destroyed)).toBe(true);
  });
});
