/**
 * Hundreds of downloads through the fault-injecting proxy in front of the Codex test server, with
 * the real Codex backend: resets, cut bodies, 500/503, delays and hangs on a quarter of the
 * requests. Every download must complete and verify; not one wrong byte may come out.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createCodexBackend } from "../../src/storage/backends/codex/index.js";
import type { StorageBackend } from "../../src/storage/backend.js";
import { StorageClient } from "../../src/storage/index.js";
import { startCodexTestServer, type CodexTestServer } from "../support/codex-server/index.js";
import { startFaultProxy, type FaultProxy, type ProxyFault } from "../support/fault-proxy/index.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { KiB, sha256Hex } from "./support/client-fixture.js";

const DOWNLOADS = 200;
const FILES = 25;
/** Of the requests; the delays among FAULTS break nothing, so about 0.31 of requests fail in one way or another. */
const FAULT_RATE = 0.35;
const FAULTS: readonly ProxyFault[] = [
  { kind: "reset" },
  { kind: "status", status: 500, body: "Internal Server Error" },
  { kind: "status", status: 503, body: "Service Unavailable" },
  { kind: "truncate", afterBytes: 1024 },
  { kind: "truncate", afterBytes: 7000 },
  { kind: "reset-mid-body", afterBytes: 4096 },
  { kind: "delay", ms: 150 },
  { kind: "hang", phase: "before-headers" },
  { kind: "hang", phase: "mid-body", afterBytes: 2048 },
];

let dir: string;
let server: CodexTestServer;
let proxy: FaultProxy;
let direct: StorageBackend;
let faulty: StorageBackend;
let sender: StorageClient;
let receiver: StorageClient;
const files: { reference: Uint8Array; sha256: string }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "scc-faults-"));
  server = await startCodexTestServer();
  direct = createCodexBackend({ url: server.url, requestTimeoutMs: 5_000 });
  const seed = Number(process.env["FAULT_SEED"] ?? Date.now() % 100_000);
  proxy = await startFaultProxy({ target: server.url, faultRate: 0, seed, randomFaults: FAULTS });
  // Short timeouts so a hang costs a fraction of a second, not minutes.
  faulty = createCodexBackend({ url: proxy.url, requestTimeoutMs: 400, idleTimeoutMs: 300 });
  const small = { chunkSize: 4 * KiB, pieceSize: 16 * KiB, renewEveryMs: 0 } as const;
  sender = await StorageClient.open({ protocol: 3, backend: direct, statePath: join(dir, "sender.sqlite"), dataDir: join(dir, "sender"), ...small });
  receiver = await StorageClient.open({
    protocol: 3,
    backend: faulty,
    statePath: join(dir, "receiver.sqlite"),
    dataDir: join(dir, "receiver"),
    jobsInFlight: 6,
    piecesInFlight: 3,
    retry: { baseDelayMs: 2, maxDelayMs: 40, maxAttempts: 40, attemptTimeoutMs: 1_500, deadlineMs: 50_000 },
    quotaBytes: 1024 * 1024 * 1024,
    ...small,
  });
  for (let i = 0; i < FILES; i++) {
    const bytes = randomBytes(40 * KiB + ((i * 7919) % (30 * KiB)));
    const { reference } = await sender.share({ bytes, fileName: `f${i}.bin` }).done;
    files.push({ reference, sha256: sha256Hex(bytes) });
  }
  proxy.setFaultRate(FAULT_RATE);
  process.stderr.write(`fault-downloads: proxy seed ${seed} (set FAULT_SEED to replay)\n`);
}, 60_000);

afterAll(async () => {
  await receiver?.stop();
  await sender?.stop();
  await faulty?.close();
  await direct?.close();
  await proxy?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("downloads through a faulty network", () => {
  test(`${DOWNLOADS} downloads at ${FAULT_RATE * 100} % injected faults all complete, and every byte verifies`, async () => {
    const out = join(dir, "out");
    const results = await Promise.all(
      Array.from({ length: DOWNLOADS }, async (_, i) => {
        const file = files[i % FILES] as (typeof files)[number];
        if (i % 2 === 0) {
          const got = await receiver.fetch(file.reference, { out: join(out, `d${i}.bin`) }).done;
          return sha256Hex(readFileSync(got.path)) === file.sha256;
        }
        const parts: Buffer[] = [];
        for await (const part of receiver.fetchStream(file.reference)) parts.push(part);
        return sha256Hex(Buffer.concat(parts)) === file.sha256;
      }),
    );
    expect(results.filter((ok) => !ok)).toEqual([]);
    // Only faults that break a request count towards the 20 %: a delay alone is not one.
    const breaking = Object.entries(proxy.stats.injected).reduce((sum, [kind, n]) => sum + (kind === "delay" ? 0 : (n ?? 0)), 0);
    process.stderr.write(`fault-downloads: ${proxy.stats.requests} requests, injected ${JSON.stringify(proxy.stats.injected)}\n`);
    expect(breaking / proxy.stats.requests).toBeGreaterThanOrEqual(0.2);
    expect(Object.keys(proxy.stats.injected).length).toBeGreaterThanOrEqual(6);
    expect(receiver.jobs().filter((j) => j.state !== "done")).toEqual([]);
  }, 60_000);
});
