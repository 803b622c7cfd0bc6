/**
 * requestTimeoutMs is documented as the longest wait "for the response headers of a call … and for
 * the short text/JSON answers" (docs/codex-backend.md, CodexBackendOptions). The deadline was per
 * gap between the answer's chunks, so an answer that trickles in (a byte now and then: a congested
 * or broken proxy, a node starved of CPU) held has(), space(), manifest() or a put's CID for as long
 * as it kept trickling: up to 64 KiB × requestTimeoutMs. It now has requestTimeoutMs for the whole.
 * Download bodies keep their per-gap idleTimeoutMs (a slow but steady 50 MiB download is fine).
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, onTestFinished, test } from "vitest";
import { createCodexBackend, type CodexBackend } from "../../src/storage/backends/codex/index.js";
import { collect, storageError } from "./codex-fixtures.js";

const CID = "zDvZRwzm1ePSzKSXt57D5YxHwcSDmsCyYN65wW4HT7fuX9HrzFXy";
const REQUEST_TIMEOUT_MS = 400;
/** Well inside the request timeout: every gap alone is fine, the whole answer is not. */
const GAP_MS = 40;

/** Writes `text` one byte every GAP_MS after the headers (Content-Length intact). */
function trickle(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
  let at = 0;
  const timer = setInterval(() => {
    if (at >= text.length) {
      clearInterval(timer);
      res.end();
      return;
    }
    res.write(text[at++]);
  }, GAP_MS);
  res.on("close", () => clearInterval(timer));
}

async function trickleServer(): Promise<string> {
  const space = JSON.stringify({ totalBlocks: 10, quotaMaxBytes: 1 << 30, quotaUsedBytes: 4096, quotaReservedBytes: 0 });
  const server = createServer((req, res) => {
    req.resume();
    if (req.url?.endsWith("/space") === true) return trickle(res, 200, "application/json", space);
    if (req.url?.endsWith("/exists") === true) return trickle(res, 200, "application/json", JSON.stringify({ [CID]: true }));
    if (req.url?.endsWith("/data") === true) return trickle(res, 200, "text/plain", CID);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function backendOn(url: string): CodexBackend {
  const backend = createCodexBackend({ url, requestTimeoutMs: REQUEST_TIMEOUT_MS, idleTimeoutMs: 5_000 });
  onTestFinished(() => backend.close());
  return backend;
}

describe("a short answer that trickles in", () => {
  test("space(), has() and a put's CID answer end with E_TIMEOUT once requestTimeoutMs passed, however short each gap", async () => {
    const backend = backendOn(await trickleServer());
    for (const call of [() => backend.space(), () => backend.has(CID), () => backend.put(Buffer.alloc(1000, 1))]) {
      const error = await storageError(call, "E_TIMEOUT");
      expect(error.details?.["phase"]).toBe("body");
      expect(error.message).toContain(`${REQUEST_TIMEOUT_MS} ms`);
    }
  });

  test("a download body that trickles as steadily is not cut: its limit is per gap (idleTimeoutMs)", async () => {
    const bytes = Buffer.alloc(40, 5);
    const server = createServer((req, res) => {
      req.resume();
      trickle(res, 200, "application/octet-stream", bytes.toString("latin1"));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const backend = backendOn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const { body } = await backend.get(CID);
    expect((await collect(body)).equals(bytes)).toBe(true);
  });
});
