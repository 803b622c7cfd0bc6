/**
 * `npm run bench -- storage`: the storage client on 50 MiB files.
 *
 * - speed: share → fetch round trip of 50 MiB on the embedded local backend, against a floor
 *   measured in the same run and the same process: AES-256-GCM encrypt + decrypt (the client's
 *   chunk size) + one sha256 of the same 50 MiB. They alternate; medians are reported (goal ≤ 2.0×);
 * - memory: peak RSS of a fresh process sharing then fetching 50 MiB (goal ≤ 200 MB), and of a
 *   started, idle client (goal ≤ 100 MB) with its CPU time over the idle window (goal ≈ 0);
 *   all measured in child processes (this file with `--child`), so this harness does not pollute them;
 * - light mode: a streamed fetch of 50 MiB through the Codex test server (a separate process)
 *   with the Codex backend, in a fresh child, for "50 MB in under 30 s on mobile";
 * - the Codex backend against `@codex-storage/sdk-js` (bench/support/codex-vs-sdk.ts).
 */
import { spawn, spawnSync } from "node:child_process";
import { createCipheriv, createDecipheriv, createHash, createSecretKey, randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { codexVsSdkRows } from "./support/codex-vs-sdk.js";
import { fmt, markdownTable, median, type Row } from "./support/measure.js";
import { createCodexBackend, createLocalBackend, STORAGE_DEFAULTS, StorageClient, type StorageBackend } from "../src/storage/index.js";

const MiB = 1024 * 1024;
const SIZE = Number(process.env["STORAGE_BENCH_MIB"] ?? 50) * MiB;
const ROUNDS = Number(process.env["STORAGE_BENCH_ROUNDS"] ?? 5);
/** The floor seals in the client's own chunk size. */
const CHUNK = STORAGE_DEFAULTS.chunkSize;
/** The project root, from the sources or from the compiled copy under node_modules/.cache. */
const ROOT = ((): string => {
  const here = fileURLToPath(new URL("../", import.meta.url));
  const at = here.indexOf(`${join("node_modules", ".cache")}`);
  return at < 0 ? here : here.slice(0, at);
})();

/**
 * The floor: what any client must do to the bytes at least once — seal, open and hash them. Each
 * chunk is opened right after it is sealed, so the floor keeps no 50 MiB of ciphertext alive whose
 * garbage collection would then be charged to the round trip measured next in the same process.
 */
function floorOnce(data: Buffer): void {
  const key = createSecretKey(randomBytes(32));
  const nonce = Buffer.alloc(12);
  for (let at = 0, i = 0; at < data.byteLength; at += CHUNK, i++) {
    nonce.writeUInt32BE(i, 7);
    const c = createCipheriv("aes-256-gcm", key, nonce);
    const sealed = c.update(data.subarray(at, at + CHUNK));
    c.final();
    const d = createDecipheriv("aes-256-gcm", key, nonce);
    d.setAuthTag(c.getAuthTag());
    d.update(sealed);
    d.final();
  }
  createHash("sha256").update(data).digest();
}

async function timed(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Floor and round trip, alternating (after one warm-up of each), in the speed child. */
async function speedRounds(source: string, dir: string): Promise<{ floor: number[]; share: number[]; fetch: number[] }> {
  const data = readFileSync(source);
  const store = createLocalBackend({ dir: join(dir, "store") });
  const client = await StorageClient.open({ protocol: 3, backend: store, statePath: join(dir, "state.sqlite"), dataDir: join(dir, "data"), renewEveryMs: 0 });
  const rounds = { floor: [] as number[], share: [] as number[], fetch: [] as number[] };
  for (let round = -1; round < ROUNDS; round++) {
    const floor = await timed(() => floorOnce(data));
    const out = join(dir, `out-${round}.bin`);
    let reference: Uint8Array = new Uint8Array();
    const share = await timed(async () => {
      reference = (await client.share({ path: source }).done).reference;
    });
    const fetch = await timed(() => client.fetch(reference, { out }).done);
    rmSync(out);
    rmSync(join(dir, "store"), { recursive: true, force: true });
    if (round < 0) continue;
    rounds.floor.push(floor);
    rounds.share.push(share);
    rounds.fetch.push(fetch);
  }
  await client.stop();
  await store.close();
  return rounds;
}

async function speedRows(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), "scc-bench-storage-"));
  let rounds: { floor: number[]; share: number[]; fetch: number[] };
  try {
    writeSource(join(dir, "source.bin"));
    rounds = (await runChild(["speed", join(dir, "source.bin")])).rounds as typeof rounds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const trips = rounds.share.map((s, i) => s + (rounds.fetch[i] as number));
  const floor = median(rounds.floor);
  const trip = median(trips);
  const ratio = trip / floor;
  return [
    { metric: `share → fetch ${SIZE / MiB} MiB, local backend (ms, median of ${ROUNDS})`, value: fmt(trip, 0), floor: fmt(floor, 0), ratio: `${ratio.toFixed(2)}×`, goal: "≤ 2.0×", verdict: ratio <= 2 ? "met" : "missed" },
    { metric: "  of which share (encrypt, hash, store pieces, journal)", value: fmt(median(rounds.share), 0), floor: "", ratio: `${(median(rounds.share) / floor).toFixed(2)}×` },
    { metric: "  of which fetch (verify, decrypt, write at offsets, rename)", value: fmt(median(rounds.fetch), 0), floor: "", ratio: `${(median(rounds.fetch) / floor).toFixed(2)}×` },
    { metric: "  floor rounds (ms)", value: rounds.floor.map((f) => f.toFixed(0)).join(" / ") },
    { metric: "  round-trip rounds (ms)", value: trips.map((f) => f.toFixed(0)).join(" / ") },
  ];
}

interface ChildReport {
  peakRssMiB: number;
  rssMiB: number;
  cpuMs: number;
  wallMs: number;
  rounds?: { floor: number[]; share: number[]; fetch: number[] };
}

/**
 * This file compiled to JavaScript (tsc, incremental) under node_modules/.cache, so the memory
 * children run on plain node as an application would, without the tsx loader (about 35 MB of RSS).
 * Packages still resolve: the output sits below the project's node_modules.
 */
function compiledSelf(): string | undefined {
  const cache = join(ROOT, "node_modules", ".cache", "status-compat-bench");
  mkdirSync(cache, { recursive: true });
  writeFileSync(
    join(cache, "tsconfig.json"),
    JSON.stringify({
      extends: "../../../tsconfig.json",
      compilerOptions: { outDir: "./out", rootDir: "../../..", noEmit: false, declaration: false, sourceMap: false, incremental: true, tsBuildInfoFile: "./out/.tsbuildinfo" },
      include: [],
      files: ["../../../bench/storage.bench.ts"],
    }),
  );
  const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(cache, "tsconfig.json")], { cwd: ROOT, encoding: "utf8" });
  const out = join(cache, "out", "bench", "storage.bench.js");
  return tsc.status === 0 && existsSync(out) ? out : undefined;
}

let childEntry: string[] | undefined;

function runChild(args: string[]): Promise<ChildReport> {
  if (childEntry === undefined) {
    const compiled = compiledSelf();
    childEntry = compiled === undefined ? ["--import", "tsx", fileURLToPath(import.meta.url)] : [compiled];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(childEntry as string[]), "--child", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`bench child ${args.join(" ")} exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split("\n").at(-1) as string) as ChildReport);
    });
  });
}

async function memoryRows(): Promise<Row[]> {
  const sourceDir = mkdtempSync(join(tmpdir(), "scc-bench-source-"));
  let transfer: ChildReport;
  try {
    writeSource(join(sourceDir, "source.bin"));
    transfer = await runChild(["transfer", join(sourceDir, "source.bin")]);
  } finally {
    rmSync(sourceDir, { recursive: true, force: true });
  }
  const idle = await runChild(["idle"]);
  const light = await lightFetch();
  const mb = (mib: number): string => `${(mib * 1.048576).toFixed(0)} MB`;
  return [
    { metric: `peak RSS, share + fetch ${SIZE / MiB} MiB (fresh process)`, value: mb(transfer.peakRssMiB), goal: "≤ 200 MB", verdict: transfer.peakRssMiB * 1.048576 <= 200 ? "met" : "missed" },
    { metric: "RSS of a started, idle client", value: mb(idle.rssMiB), goal: "≤ 100 MB", verdict: idle.rssMiB * 1.048576 <= 100 ? "met" : "missed" },
    {
      metric: `CPU of the idle client over ${fmt(idle.wallMs / 1000, 0)} s`,
      value: `${fmt(idle.cpuMs, 1)} ms (${((idle.cpuMs / idle.wallMs) * 100).toFixed(2)} %)`,
      goal: "≈ 0",
      verdict: idle.cpuMs / idle.wallMs < 0.005 ? "met" : "missed",
    },
    {
      metric: `light mode: streamed fetch of ${SIZE / MiB} MiB via the Codex test server (separate process)`,
      value: `${fmt(light.wallMs, 0)} ms, peak RSS ${mb(light.peakRssMiB)}`,
      goal: "< 30 s, ≤ 200 MB",
      verdict: light.wallMs < 30_000 && light.peakRssMiB * 1.048576 <= 200 ? "met" : "missed",
    },
  ];
}

export async function run(): Promise<string> {
  const rows = [...(await speedRows()), ...(await memoryRows())];
  const how = childEntry?.[0] === "--import" ? "under tsx (compiling for plain node failed)" : "on plain node (this file compiled by tsc)";
  let codex = "";
  try {
    codex = `\nCodex backend against \`@codex-storage/sdk-js\` 0.1.3 (from bench/support/codex-vs-sdk.ts; the SDK is the floor):\n\n${markdownTable(await codexVsSdkRows({ sizeMiB: SIZE / MiB, rounds: 5 }))}\n`;
  } catch (error) {
    codex = `\nCodex-vs-SDK comparison failed to run: ${(error as Error).message}\n`;
  }
  return `${markdownTable(rows)}\n\nEvery figure comes from a fresh child process ${how}; floor and round trip alternate in one of them.\n${codex}`;
}

// ---- child processes -------------------------------------------------------------------------

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

/** A file written 1 MiB at a time, so the child never holds the whole file in memory. */
function writeSource(path: string): void {
  const fd = openSync(path, "w");
  try {
    for (let i = 0; i < SIZE / MiB; i++) writeSync(fd, randomBytes(MiB));
  } finally {
    closeSync(fd);
  }
}

async function child(kind: string, rest: string[]): Promise<ChildReport> {
  const dir = mkdtempSync(join(tmpdir(), `scc-bench-${kind}-`));
  try {
    if (kind === "speed") return { peakRssMiB: 0, rssMiB: 0, cpuMs: 0, wallMs: 0, rounds: await speedRounds(rest[0] as string, dir) };
    if (kind === "idle") {
      const store = createLocalBackend({ dir: join(dir, "store") });
      const client = await StorageClient.open({ protocol: 3, backend: store, statePath: join(dir, "state.sqlite"), dataDir: join(dir, "data") });
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
    if (kind === "transfer") {
      // The source was written by the parent: writing it here would leave its garbage in this RSS.
      const source = rest[0] as string;
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
    // light: a light client streams back a file already on the Codex test server (the reference is in a file).
    const [url, referencePath] = rest as [string, string];
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The light-mode figure: this process uploads 50 MiB to a Codex test server (its own process),
 * then a fresh child process with a light client streams it back through the Codex backend.
 */
async function lightFetch(): Promise<ChildReport> {
  const dir = mkdtempSync(join(tmpdir(), "scc-bench-light-"));
  const { url, stop } = await codexServerProcess();
  try {
    const source = join(dir, "source.bin");
    writeSource(source);
    const sender = createCodexBackend({ url, requestTimeoutMs: 60_000 });
    const up = await StorageClient.open({ protocol: 3, backend: sender, statePath: join(dir, "up.sqlite"), dataDir: join(dir, "up"), renewEveryMs: 0 });
    const { reference } = await up.share({ path: source }).done;
    await up.stop();
    await sender.close();
    const referencePath = join(dir, "reference.bin");
    writeFileSync(referencePath, reference);
    return await runChild(["light", url, referencePath]);
  } finally {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Codex test server as its own process (test/support/codex-server/main.ts prints its URL). */
function codexServerProcess(): Promise<{ url: string; stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = spawn(process.execPath, ["--import", "tsx", join(ROOT, "test/support/codex-server/main.ts")], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    server.on("error", reject);
    server.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (match !== null) {
        resolve({
          url: match[0],
          stop: () =>
            new Promise((done) => {
              server.once("close", () => done());
              // It serves until its stdin closes.
              server.stdin.end();
            }),
        });
      }
    });
  });
}

if (process.argv[2] === "--child" && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const report = await child(process.argv[3] as string, process.argv.slice(4));
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
