/**
 * Benchmark support: our Codex backend against `@codex-storage/sdk-js` 0.1.3 (NodeUploadStrategy,
 * networkDownloadStream) on the same Codex test server in one run: 50 MiB up and down, and the
 * peak RSS of a process doing one upload plus one download. The SDK is the floor; the ratio is
 * ours/sdk (goal ≤ 1.0×).
 *
 * Usage (from bench/storage.bench.ts):
 *   import { codexVsSdkRows } from "./support/codex-vs-sdk.js";
 *   const rows = await codexVsSdkRows({ sizeMiB: 50, rounds: 7 });
 *   markdownTable(rows);
 *
 * The server runs as a child process so it does not share this process's CPU time or heap; each
 * memory figure comes from a fresh child process running this file with `--rss ours|sdk <url>`.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable as ReadableStream, Writable } from "node:stream";
import { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Codex } from "@codex-storage/sdk-js";
import { NodeUploadStrategy } from "@codex-storage/sdk-js/node";
import { createCodexBackend, CODEX_API_PREFIX } from "../../src/storage/backends/codex/index.js";
import { fmt, median, peakRssDuring, type Row } from "./measure.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MiB = 1024 * 1024;

export interface CodexVsSdkOptions {
  /** Payload size; default 50 MiB (the per-file limit). */
  sizeMiB?: number;
  /** Timed rounds per client and direction (after one warm-up each); default 7. */
  rounds?: number;
}

type Client = "ours" | "sdk";

/** The payload: one 1 MiB pseudo-random block repeated, so producing it costs nothing. */
function payloadBlock(): Buffer {
  const block = Buffer.allocUnsafe(MiB);
  let x = 0x9e3779b9;
  for (let i = 0; i < MiB; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    block[i] = x >>> 24;
  }
  return block;
}

async function* payload(block: Buffer, sizeMiB: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < sizeMiB; i++) yield block;
}

interface Clients {
  upload(client: Client): Promise<string>;
  download(client: Client, cid: string): Promise<number>;
  close(): Promise<void>;
}

function clients(url: string, sizeMiB: number): Clients {
  const block = payloadBlock();
  const ours = createCodexBackend({ url, apiPrefix: CODEX_API_PREFIX, requestTimeoutMs: 60_000 });
  const sdk = new Codex(url);
  return {
    async upload(client) {
      if (client === "ours") return ours.put(payload(block, sizeMiB), { size: sizeMiB * MiB });
      const result = await sdk.data.upload(new NodeUploadStrategy(Readable.from(payload(block, sizeMiB)))).result;
      if (result.error) throw new Error(`sdk upload failed: ${result.data.message}`);
      return result.data;
    },
    async download(client, cid) {
      let bytes = 0;
      if (client === "ours") {
        for await (const chunk of (await ours.get(cid)).body) bytes += chunk.byteLength;
      } else {
        const res = await sdk.data.networkDownloadStream(cid);
        if (res.error) throw new Error(`sdk download failed: ${res.data.message}`);
        for await (const chunk of res.data.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
      }
      if (bytes !== sizeMiB * MiB) throw new Error(`${client} download returned ${bytes} bytes`);
      return bytes;
    },
    close: () => ours.close(),
  };
}

type ServerProcess = ChildProcessByStdio<Writable, ReadableStream, null>;

async function startServerProcess(): Promise<{ url: string; child: ServerProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/support/codex-server/main.ts"], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString("utf8");
      const line = out.split("\n")[0];
      if (out.includes("\n") && line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once("exit", (code) => reject(new Error(`codex test server exited early (${code})`)));
  });
  return { url, child };
}

async function stopServerProcess(child: ServerProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stdin.end();
  await exited;
}

interface Cost {
  wallMs: number;
  /** CPU time of this (client) process: far less sensitive to other load on the machine than wall time. */
  cpuMs: number;
}

async function cost(run: () => Promise<unknown>): Promise<Cost> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

/**
 * Peak RSS of a fresh process doing one upload and one download with `client`, and its growth
 * over the RSS the process had just before (node + tsx + both clients loaded).
 */
async function rssInChild(client: Client, url: string, sizeMiB: number): Promise<{ peakMiB: number; growthMiB: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--rss", client, url, String(sizeMiB)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString("utf8")));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`rss probe for ${client} exited with ${code}`);
  return JSON.parse(out.trim()) as { peakMiB: number; growthMiB: number };
}

function row(metric: string, ours: number, sdk: number, unit: "wall" | "cpu" | "MiB", sizeMiB: number): Row {
  const ratio = ours / sdk;
  const show = (v: number): string =>
    unit === "wall" ? `${fmt(v, 0)} ms (${fmt((sizeMiB * 1000) / v, 0)} MiB/s)` : unit === "cpu" ? `${fmt(v, 1)} ms CPU` : `${fmt(v, 1)} MiB`;
  return {
    metric,
    value: `ours ${show(ours)}`,
    floor: `sdk ${show(sdk)}`,
    ratio: `${ratio.toFixed(2)}×`,
    goal: "≤ 1.0×",
    verdict: ratio <= 1 ? "meets" : "misses",
  };
}

/** Runs the comparison and returns rows for `markdownTable`. */
export async function codexVsSdkRows(options: CodexVsSdkOptions = {}): Promise<Row[]> {
  const sizeMiB = options.sizeMiB ?? 50;
  const rounds = options.rounds ?? 7;
  const { url, child } = await startServerProcess();
  const c = clients(url, sizeMiB);
  try {
    // Each side reads back its own upload: the CIDs differ because ours labels the upload
    // application/octet-stream (the manifest records it) and the SDK sends no Content-Type.
    const cid: Record<Client, string> = { ours: await c.upload("ours"), sdk: await c.upload("sdk") };
    await c.download("ours", cid.ours);
    await c.download("sdk", cid.sdk);
    const up: Record<Client, Cost[]> = { ours: [], sdk: [] };
    const down: Record<Client, Cost[]> = { ours: [], sdk: [] };
    for (let r = 0; r < rounds; r++) {
      // Alternate who goes first, so neither side always meets a warmer or cooler machine.
      const order: Client[] = r % 2 === 0 ? ["ours", "sdk"] : ["sdk", "ours"];
      for (const client of order) up[client].push(await cost(() => c.upload(client)));
      for (const client of order) down[client].push(await cost(() => c.download(client, cid[client])));
    }
    const rssOurs = await rssInChild("ours", url, sizeMiB);
    const rssSdk = await rssInChild("sdk", url, sizeMiB);
    const wall = (costs: Cost[]): number => median(costs.map((x) => x.wallMs));
    const cpu = (costs: Cost[]): number => median(costs.map((x) => x.cpuMs));
    // The figure: upload + download of the same file, each round's sum, median over rounds.
    const both = (client: Client, of: (x: Cost) => number): number => median(up[client].map((u, i) => of(u) + of(down[client][i] as Cost)));
    return [
      row(`Codex upload + download ${sizeMiB} MiB, wall time (median of ${rounds} rounds' sums)`, both("ours", (x) => x.wallMs), both("sdk", (x) => x.wallMs), "wall", 2 * sizeMiB),
      row(`Codex upload + download ${sizeMiB} MiB, client CPU time`, both("ours", (x) => x.cpuMs), both("sdk", (x) => x.cpuMs), "cpu", 2 * sizeMiB),
      row(`Codex upload ${sizeMiB} MiB, wall time (median of ${rounds})`, wall(up.ours), wall(up.sdk), "wall", sizeMiB),
      row(`Codex upload ${sizeMiB} MiB, client CPU time`, cpu(up.ours), cpu(up.sdk), "cpu", sizeMiB),
      row(`Codex download ${sizeMiB} MiB, wall time (median of ${rounds})`, wall(down.ours), wall(down.sdk), "wall", sizeMiB),
      row(`Codex download ${sizeMiB} MiB, client CPU time`, cpu(down.ours), cpu(down.sdk), "cpu", sizeMiB),
      row(`peak RSS, one ${sizeMiB} MiB upload + download (fresh process)`, rssOurs.peakMiB, rssSdk.peakMiB, "MiB", sizeMiB),
      row(`RSS growth during that upload + download`, rssOurs.growthMiB, rssSdk.growthMiB, "MiB", sizeMiB),
    ];
  } finally {
    await c.close();
    await stopServerProcess(child);
  }
}

// `--rss <client> <url> <sizeMiB>`: the child side of rssInChild.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === "--rss") {
  const [client, url, size] = process.argv.slice(3) as [Client, string, string];
  const c = clients(url, Number(size));
  const startMiB = process.memoryUsage.rss() / MiB;
  const { peakMiB } = await peakRssDuring(async () => {
    const cid = await c.upload(client);
    await c.download(client, cid);
  });
  await c.close();
  process.stdout.write(`${JSON.stringify({ peakMiB, growthMiB: peakMiB - startMiB })}\n`);
}
