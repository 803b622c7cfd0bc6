import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { createLogger } from "../../src/obs/index.js";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import type { ShareResult } from "../../src/storage/index.js";
import { LogCapture } from "../support/log-capture.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";
import { codexSetup } from "./codex-fixtures.js";

function encodings(bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes);
  return [b.toString("hex"), b.toString("base64"), b.toString("base64url"), JSON.stringify([...b]).slice(1, -1), [...b].join(",")];
}

/** Written into each plaintext, many times over: no log line may hold it. */
const MARKER = "TOP-SECRET-PLAINTEXT-7f3a9c";
const FILE_NAME = "holiday-photo-of-alice.jpg";

/** About `size` bytes of plaintext, MARKER on every line. */
function markedPlaintext(size: number): Buffer {
  return Buffer.from(`${MARKER}\n`.repeat(Math.ceil(size / (MARKER.length + 1))));
}

/** What a log must not reveal of a share of a marked plaintext named FILE_NAME: its key, nonce prefix and reference as a logger might write them, the marker, the name. */
function secretsOf(shared: ShareResult): string[] {
  return [
    ...encodings(shared.view.encryption.key),
    ...encodings(shared.view.encryption.noncePrefix),
    ...encodings(shared.reference).slice(0, 3),
    MARKER,
    FILE_NAME,
  ];
}

function expectNoneIn(log: string, forbidden: readonly string[]): void {
  for (const secret of forbidden) expect(log.includes(secret), `log contains ${secret.slice(0, 20)}…`).toBe(false);
}

describe("key material, plaintext and file names never reach a log line", () => {
  test("a trace-level log of share, fetch, retries, an integrity failure and renewal holds none of them", async () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: "trace", destination: capture });
    const dir = tempDir();
    const backend = new InstrumentedBackend(localStore(join(dir, "store"), { logger }));
    let failOnce = true;
    backend.beforePut = () => {
      if (failOnce) {
        failOnce = false;
        throw unreachable(backend.location);
      }
    };
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client } = await startClient({ dir, backend, logger, clock: { now: () => clock.t } });
    const plaintext = markedPlaintext(64 * KiB);
    const shared = await client.share({ bytes: plaintext, fileName: FILE_NAME }).done;
    await client.fetch(shared.reference, { out: join(dir, "copy.jpg") }).done;
    backend.alterGet = (cid, bytes) => {
      if (cid === shared.view.pieces[0]?.cid) bytes[0] = (bytes[0] as number) ^ 1;
      return bytes;
    };
    await client.fetch(shared.reference, { out: join(dir, "bad.jpg") }).done.catch(() => undefined);
    backend.alterGet = undefined;
    clock.t += 29 * 24 * 3600 * 1000;
    await client.renewDue();
    await client.stop();

    const log = capture.text;
    // Logging did happen, at every level we care about.
    expect(log).toContain('"job state"');
    expect(log).toContain('"retrying"');
    expect(log).toContain('"state":"failed"');
    expectNoneIn(log, [...secretsOf(shared), plaintext.subarray(0, 16).toString("base64")]);
  });
});

describe("a Codex session's log holds no key material, contents, file names or URL credentials", () => {
  test("trace level, light mode over a Codex node reached with user:password@, with retried and refused uploads, a retried download, a stream, a probe and a renewal", async () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: "trace", destination: capture });
    const { server } = await codexSetup();
    const backend = createCodexBackend({ url: server.url.replace("http://", "http://alice:hunter2@"), logger });
    onTestFinished(() => backend.close());
    const dir = tempDir();
    const clock = { t: Date.UTC(2026, 0, 1) };
    const { client } = await startClient({ dir, mode: "light", backend: undefined, endpoints: [backend], logger, clock: { now: () => clock.t } });
    const plaintext = markedPlaintext(100 * KiB);
    server.inject("upload", { kind: "status", status: 500, body: "boom" });
    server.inject("upload", { kind: "status", status: 400, body: "refused" });
    await client.share({ bytes: plaintext, fileName: FILE_NAME }).done.catch(() => undefined);
    const shared = await client.share({ bytes: plaintext, fileName: FILE_NAME }).done;
    server.inject("download", { kind: "truncate", afterBytes: 100 });
    server.inject("download", { kind: "status", status: 503 });
    await client.fetch(shared.reference, { out: join(dir, "copy.jpg") }).done;
    for await (const part of client.fetchStream(shared.reference)) void part;
    await client.status(shared.reference, { probe: true });
    clock.t += 29 * 24 * 3600 * 1000;
    expect((await client.renewDue()).renewed).toHaveLength(shared.view.pieces.length);
    await client.stop();

    const log = capture.text;
    expect(log).toContain('"codex call failed"');
    expect(log).toContain('"retrying"');
    expect(log).toContain('"state":"failed"');
    expectNoneIn(log, [...secretsOf(shared), "hunter2", Buffer.from("alice:hunter2").toString("base64")]);
  });
});
