/**
 * The memory children of `npm run bench -- storage`: a started idle client, a 50 MiB share + fetch,
 * and a light client's streamed fetch, each in a fresh process that loads what an application
 * embedding the package loads and nothing more. Run from bench/storage.bench.ts itself, they also
 * carried the bench's own modules (the SDK it compares against, the ceiling pipelines): about
 * 20 MB of RSS no application has, counted against the client's goals.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createCodexBackend, createLocalBackend, StorageClient, type StorageBackend } from "../../src/storage/index.js";

const MiB = 1024 * 1024;

export interface ClientChildReport {
  peakRssMiB: number;
  rssMiB: number;
  cpuMs: number;
  wallMs: number;
}

/** The kinds this file runs; storage.bench.ts sends every other kind to itself. */
export const CLIENT_CHILD_KINDS: readonly string[] = ["idle", "transfer", "light"];

function sampler(): { peak: () => number; stop: () => void } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  return {
    peak: () => Math.max(peak, process.memoryUsage.rss()) / MiB,
    stop: () => clearInterval(timer),
  };
}

async function idle(home: string): Promise<ClientChildReport> {
  const store = createLocalBackend({ dir: join(home, "store") });
  const client = await StorageClient.open({ protocol: 3, backend: store, statePath: join(home, "state.sqlite"), dataDir: join(home, "data") });
  await new Promise((r) => setTimeout(r, 1000));
  const cpu = process.cpuUsage();
  const start = performance.now();
  await new Promise((r) => setTimeout(r, 5000));
  const used = process.cpuUsage(cpu);
  const report = { peakRssMiB: 0, rssMiB: process.memoryUsage.rss() / MiB, cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - start };
  await client.stop();
  await store.close();
  return report;
}

/** The source was written by the parent: writing it here would leave its garbage in this RSS. */
async function transfer(source: string, dir: string): Promise<ClientChildReport> {
  const store = createLocalBackend({ dir: join(dir, "store") });
  const client = await StorageClient.open({ protocol: 3, backend: store, statePath: join(dir, "state.sqlite"), dataDir: join(dir, "data"), renewEveryMs: 0 });
  const rss = sampler();
  const start = performance.now();
  const { reference } = await client.share({ path: source }).done;
  await client.fetch(reference, { out: join(dir, "out.bin") }).done;
  const wallMs = performance.now() - start;
  rss.stop();
  await client.stop();
  await store.close();
  return { peakRssMiB: rss.peak(), rssMiB: process.memoryUsage.rss() / MiB, cpuMs: 0, wallMs };
}

/** A light client streams back a file already on the Codex test server (the reference is in a file). */
async function light(url: string, referencePath: string, dir: string): Promise<ClientChildReport> {
  const endpoint: StorageBackend = createCodexBackend({ url, requestTimeoutMs: 60_000 });
  const client = await StorageClient.open({ protocol: 3, mode: "light", endpoints: [endpoint], statePath: join(dir, "light.sqlite"), dataDir: join(dir, "light"), renewEveryMs: 0 });
  const rss = sampler();
  const start = performance.now();
  const hash = createHash("sha256");
  for await (const part of client.fetchStream(readFileSync(referencePath))) hash.update(part);
  const wallMs = performance.now() - start;
  rss.stop();
  await client.stop();
  await endpoint.close();
  return { peakRssMiB: rss.peak(), rssMiB: process.memoryUsage.rss() / MiB, cpuMs: 0, wallMs };
}

async function run(kind: string, rest: string[]): Promise<ClientChildReport> {
  const dir = mkdtempSync(join(tmpdir(), `scc-bench-${kind}-`));
  try {
    // In the parent's directory, so the second start finds the state the first one created.
    if (kind === "idle") return await idle(rest[0] ?? dir);
    if (kind === "transfer") return await transfer(rest[0] as string, dir);
    if (kind === "light") return await light(rest[0] as string, rest[1] as string, dir);
    throw new Error(`no client child of kind ${kind}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child" && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const report = await run(process.argv[3] as string, process.argv.slice(4));
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
