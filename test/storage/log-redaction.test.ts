import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { createLogger } from "../../src/obs/index.js";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { LogCapture } from "../support/log-capture.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient } from "./support/client-fixture.js";
import { InstrumentedBackend, unreachable } from "./support/instrumented-backend.js";
import { codexSetup } from "./codex-fixtures.js";

function encodings(bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes);
  return [b.toString("hex"), b.toString("base64"), b.toString("base64url"), JSON.stringify([...b]).slice(1, -1), [...b].join(",")];
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
    const marker = "TOP-SECRET-PLAINTEXT-7f3a9c";
    const plaintext = Buffer.from(`${marker}\n`.repeat(Math.ceil((64 * KiB) / (marker.length + 1))));
    const fileName = "holiday-photo-of-alice.jpg";
    const shared = await client.share({ bytes: plaintext, fileName }).done;
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
    const forbidden = [
      ...encodings(shared.view.encryption.key),
      ...encodings(shared.view.encryption.noncePrefix),
      ...encodings(shared.reference).slice(0, 3),
      marker,
      plaintext.subarray(0, 16).toString("base64"),
      fileName,
    ];
    for (const secret of forbidden) expect(log.includes(secret), `log contains ${secret.slice(0, 20)}…`).toBe(false);
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
    const marker = "TOP-SECRET-PLAINTEXT-7f3a9c";
    const plaintext = Buffer.from(`${marker}\n`.repeat(Math.ceil((100 * KiB) / (marker.length + 1))));
    const fileName = "holiday-photo-of-alice.jpg";
    server.inject("upload", { kind: "status", status: 500, body: "boom" });
    server.inject("upload", { kind: "status", status: 400, body: "refused" });
    await client.share({ bytes: plaintext, fileName }).done.catch(() => undefined);
    const shared = await client.share({ bytes: plaintext, fileName }).done;
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
    const forbidden = [
      ...encodings(shared.view.encryption.key),
      ...encodings(shared.view.encryption.noncePrefix),
      ...encodings(shared.reference).slice(0, 3),
      marker,
      fileName,
      "hunter2",
      Buffer.from("alice:hunter2").toString("base64"),
    ];
    for (const secret of forbidden) expect(log.includes(secret), `log contains ${secret.slice(0, 20)}…`).toBe(false);
  });
});
