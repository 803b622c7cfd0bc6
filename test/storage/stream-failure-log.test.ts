/**
 * docs/storage.md, Logging: a log at warn shows every transfer that failed. A fetchStream (a video
 * played as it arrives) is not a journaled job, and its failures went to no log line at all: a
 * piece that failed verification (E_INTEGRITY) rejected the consumer's read and nothing told the
 * operator. It is now one warn line with its code and where (cid, piece, endpoint); a consumer
 * that leaves early, or a stop, is no failure and writes none.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createLogger } from "../../src/obs/index.js";
import { LogCapture } from "../support/log-capture.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";

async function setup() {
  const capture = new LogCapture();
  const dir = tempDir("scc-stream-log-");
  const backend = new InstrumentedBackend(localStore(join(dir, "store")));
  const { client } = await startClient({ dir, backend, logger: createLogger({ level: "warn", destination: capture }) });
  const shared = await client.share({ path: writeRandomFile(dir, "video.bin", 200 * KiB).path }).done;
  return { capture, backend, client, shared };
}

describe("a streamed fetch that fails is a warn line", () => {
  test("a piece that fails verification mid-stream: one warn line with E_INTEGRITY, its cid, piece and endpoint", async () => {
    const { capture, backend, client, shared } = await setup();
    const cid = shared.view.pieces[2]?.cid as string;
    backend.alterGet = (got, served) => {
      if (got === cid) served[0] = (served[0] as number) ^ 1;
      return served;
    };
    const read = (async () => {
      for await (const part of client.fetchStream(shared.reference)) void part;
    })();
    await expect(read).rejects.toMatchObject({ code: "E_INTEGRITY" });
    expect(capture.lines()).toEqual([
      expect.objectContaining({ level: 40, component: "storage.client", kind: "stream", state: "failed", code: "E_INTEGRITY", cid, piece: 2, endpoint: backend.location }),
    ]);
  });

  test("a consumer that leaves after the first part writes no line", async () => {
    const { capture, client, shared } = await setup();
    for await (const part of client.fetchStream(shared.reference)) {
      expect(part.byteLength).toBeGreaterThan(0);
      break;
    }
    const controller = new AbortController();
    const aborted = (async () => {
      for await (const part of client.fetchStream(shared.reference, { signal: controller.signal })) {
        void part;
        controller.abort();
      }
    })();
    await expect(aborted).rejects.toBeDefined();
    expect(capture.text).toBe("");
  });
});
