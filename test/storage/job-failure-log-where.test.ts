/**
 * docs/storage.md, Logging: a failed job's warn line says where it failed when its error knows: the
 * piece's CID and index and the endpoint it came from. An E_INTEGRITY (the failure to alert on)
 * was logged with its job id and code alone: which piece, and which store served the bad bytes,
 * was in the journal's message and the application's error, never in the operator's log. Only
 * those named fields of the error are taken, never its message or other details (a file's path).
 */
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { createLogger } from "../../src/obs/index.js";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import { cidOfDigest } from "../../src/storage/content-id.js";
import { LogCapture } from "../support/log-capture.js";
import { tempDir } from "../support/temp-dir.js";
import { KiB, localStore, startClient, writeRandomFile } from "./support/client-fixture.js";
import { InstrumentedBackend } from "./support/instrumented-backend.js";
import type { BackendCallOptions, GetResult } from "../../src/storage/backend.js";

/** Serves the piece `cut` with the size it holds but only its first bytes (a connection lost mid-body). */
class CuttingBackend extends InstrumentedBackend {
  cut: string | undefined;

  override async get(cid: string, options?: BackendCallOptions): Promise<GetResult> {
    const got = await super.get(cid, options);
    if (cid !== this.cut) return got;
    const chunks: Uint8Array[] = [];
    for await (const chunk of got.body) chunks.push(chunk);
    const first = Buffer.concat(chunks).subarray(0, 10);
    return { size: got.size, body: (async function* () { yield first; })() };
  }
}

const WARN = 40;

async function failedDownloadLine(damage: "flip" | "cut"): Promise<{ line: Record<string, unknown> | undefined; cid: string; location: string; log: string; fingerprint: string }> {
  const capture = new LogCapture();
  const logger = createLogger({ level: "warn", destination: capture });
  const dir = tempDir("scc-failure-where-");
  const backend = new CuttingBackend(localStore(join(dir, "store")));
  const { client } = await startClient({ dir, backend, logger, retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 } });
  const { path, bytes } = writeRandomFile(dir, "f.bin", 100 * KiB);
  const shared = await client.share({ path }).done;
  const cid = shared.view.pieces[1]?.cid as string;
  if (damage === "cut") backend.cut = cid;
  else
    backend.alterGet = (got, served) => {
      if (got === cid) served[0] = (served[0] as number) ^ 1;
      return served;
    };
  const job = client.fetch(shared.reference, { out: join(dir, "copy.bin") });
  await job.done.catch(() => undefined);
  const line = capture.lines().find((l) => l["job"] === job.id && l["state"] === "failed");
  return { line, cid, location: backend.location, log: capture.text, fingerprint: cidOfDigest(createHash("sha256").update(bytes).digest()) };
}

describe("a failed job's warn line says where it failed", () => {
  test("a piece that fails verification: its CID, its index and the endpoint that served it", async () => {
    const { line, cid, location, log, fingerprint } = await failedDownloadLine("flip");
    expect(line).toMatchObject({ level: WARN, msg: "job state", kind: "download", code: "E_INTEGRITY", cid, piece: 1, endpoint: location });
    expect(log.includes(fingerprint)).toBe(false);
  });

  test("a piece cut short on every attempt: its CID, its index and the endpoint of the last attempt", async () => {
    const { line, cid, location } = await failedDownloadLine("cut");
    expect(line).toMatchObject({ level: WARN, kind: "download", code: "E_TRUNCATED", cid, piece: 1, endpoint: location });
  });

  test("a share to a Codex node nobody listens at: the endpoint its last attempt failed on, though the error's details do not name it", async () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: "warn", destination: capture });
    const dir = tempDir("scc-failure-where-");
    // A port that was free a moment ago: connections to it are refused.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const backend = createCodexBackend({ url: `http://127.0.0.1:${port}` });
    onTestFinished(() => backend.close());
    const { client } = await startClient({ dir, backend, logger, retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 } });
    const job = client.share({ path: writeRandomFile(dir, "f.bin", 10 * KiB).path });
    await expect(job.done).rejects.toMatchObject({ code: "E_BACKEND_UNREACHABLE" });
    const line = capture.lines().find((l) => l["job"] === job.id && l["state"] === "failed");
    expect(line).toMatchObject({ level: WARN, kind: "upload", code: "E_BACKEND_UNREACHABLE", endpoint: backend.location });
  });

  test("nothing but the named fields of the error: a share whose source went missing names no path", async () => {
    const capture = new LogCapture();
    const logger = createLogger({ level: "warn", destination: capture });
    const dir = tempDir("scc-failure-where-");
    const backend = new InstrumentedBackend(localStore(join(dir, "store")));
    const { client } = await startClient({ dir, backend, logger });
    const { path } = writeRandomFile(dir, "holiday-of-alice.bin", 100 * KiB);
    backend.beforePut = () => {
      throw Object.assign(new Error("not a storage error"), { details: { path, cid: "zNotOurs", endpoint: path } });
    };
    const job = client.share({ path });
    await job.done.catch(() => undefined);
    const line = capture.lines().find((l) => l["job"] === job.id && l["state"] === "failed");
    expect(line).toMatchObject({ level: WARN, kind: "upload" });
    expect(capture.text.includes("holiday-of-alice")).toBe(false);
  });
});
