/**
 * Memory, descriptors and fairness when many transfers run at once (the `concurrency` part of
 * `npm run bench -- storage`): what a messenger does — a 50 MiB video forwarded to 20 chats, a
 * channel opened with 15 large attachments, some of them previewed as slow streams.
 *
 * Each figure comes from a fresh child process (this file with `--child`): peak RSS sampled every
 * 10 ms, and at the same moments the descriptors the process holds (`/proc/self/fd`, sockets among
 * them), the piece buffers the client has lent out (its buffer pool's count) and every Buffer alive
 * or not yet collected (process.memoryUsage().arrayBuffers). The baseline is the
 * same process with its client started and idle, so "above idle" is what the transfers cost.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createCodexBackend, createLocalBackend, StorageClient, type StorageBackend } from "../../src/storage/index.js";
import { fmt, type Row } from "./measure.js";
import { codexServerProcess, PROJECT_ROOT as ROOT } from "./codex-server-process.js";

const MiB = 1024 * 1024;

export interface LoadReport {
  /** RSS of the started, idle client before any transfer (MiB). */
  idleRssMiB: number;
  peakRssMiB: number;
  idleFds: number;
  peakFds: number;
  peakSockets: number;
  /** Piece buffers lent by the client's pool at once, and their bytes (MiB). */
  peakLent: number;
  peakLentMiB: number;
  /** Memory of ArrayBuffers (every Buffer: piece buffers, chunk buffers alive or not yet collected) and the JS heap at most (MiB). */
  peakArrayBuffersMiB: number;
  peakHeapMiB: number;
  wallMs: number;
  /** A 64 KiB share (or fetch) queued after the large ones: how long until it was done. */
  smallMs?: number;
}

interface Sample {
  rss: number;
  arrayBuffers: number;
  heap: number;
  fds: number;
  sockets: number;
  lent: number;
  lentBytes: number;
}

/** The client's buffer pool, read for this diagnostic only (`lent` is public; its bytes are not). */
function poolOf(client: StorageClient): { lent: number; lentBytes: number } {
  const ctx = (client as unknown as { ctx?: { buffers: { lent: number; lentBytes: number } } }).ctx;
  return ctx?.buffers ?? { lent: 0, lentBytes: 0 };
}

function sample(client: StorageClient | undefined): Sample {
  let fds = 0;
  let sockets = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    fds++;
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")) sockets++;
    } catch {
      // Closed between the listing and the look.
    }
  }
  const pool = client === undefined ? { lent: 0, lentBytes: 0 } : poolOf(client);
  const usage = process.memoryUsage();
  return { rss: usage.rss, arrayBuffers: usage.arrayBuffers, heap: usage.heapUsed, fds, sockets, lent: pool.lent, lentBytes: pool.lentBytes };
}

class Peaks {
  private readonly peak: Sample;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly client: StorageClient) {
    this.peak = sample(client);
    this.timer = setInterval(() => this.take(), 10);
  }

  private take(): void {
    const now = sample(this.client);
    this.peak.rss = Math.max(this.peak.rss, now.rss);
    this.peak.arrayBuffers = Math.max(this.peak.arrayBuffers, now.arrayBuffers);
    this.peak.heap = Math.max(this.peak.heap, now.heap);
    this.peak.fds = Math.max(this.peak.fds, now.fds);
    this.peak.sockets = Math.max(this.peak.sockets, now.sockets);
    this.peak.lent = Math.max(this.peak.lent, now.lent);
    this.peak.lentBytes = Math.max(this.peak.lentBytes, now.lentBytes);
  }

  stop(): Sample {
    this.take();
    clearInterval(this.timer);
    return this.peak;
  }
}

// ---- the child -------------------------------------------------------------------------------

interface ChildArgs {
  what: "share" | "share-bytes" | "fetch" | "cached" | "stream" | "fetch+stream" | "messenger";
  /** "local:<dir>" or "codex:<url>". */
  backend: string;
  /** share: the source files; fetch/stream: files holding one reference each. */
  inputs: string[];
  /** fetch+stream: the references streamed (inputs are fetched to files); messenger: see messengerWork. */
  more?: string[];
  /** A small file (share, share of its bytes) or its reference (fetch, cache hit), queued after the others. */
  small?: string;
  /** stream: the consumer's pause per chunk (a preview read slowly). */
  chunkDelayMs?: number;
  light?: boolean;
  /** Client options over the defaults (a bound under test). */
  options?: Record<string, number>;
}

function openClient(args: ChildArgs, backend: StorageBackend, dir: string): Promise<StorageClient> {
  return StorageClient.open({
    protocol: 3,
    ...(args.light === true ? { mode: "light" as const, endpoints: [backend] } : { backend }),
    statePath: join(dir, "state.sqlite"),
    dataDir: join(dir, "data"),
    renewEveryMs: 0,
    quotaBytes: Infinity,
    retry: { deadlineMs: 20 * 60_000 },
    ...(args.options ?? {}),
  });
}

/** Reads a stream to its end the way a preview does: a pause after each chunk. */
async function readSlowly(client: StorageClient, reference: string, delayMs: number): Promise<Buffer> {
  const hash = createHash("sha256");
  for await (const part of client.fetchStream(readFileSync(reference))) {
    hash.update(part);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  }
  return hash.digest();
}

/**
 * What a messenger does at once: the uploads of the last session resume (five files, shared and
 * stopped before this window; this client's start resumes them), a video is forwarded to 20 chats
 * (`inputs[0]` shared 20 times by its path), and a channel is opened: ten attachments fetched to
 * files and five previewed as slow streams (`more`).
 */
async function messengerWork(args: ChildArgs, backend: StorageBackend, dir: string, peaksOf: (client: StorageClient) => Peaks): Promise<{ client: StorageClient; peaks: Peaks; work: Promise<unknown>[] }> {
  const before = await openClient(args, backend, dir);
  for (const path of args.inputs.slice(1, 6)) before.share({ path }).done.catch(() => undefined);
  await before.stop();
  const client = await openClient(args, backend, dir);
  const peaks = peaksOf(client);
  const work: Promise<unknown>[] = client.jobs().filter((j) => j.kind === "upload" && j.state !== "done").map((j) => client.job(j.id).done);
  for (let i = 0; i < 20; i++) work.push(client.share({ path: args.inputs[0] as string }).done);
  const refs = args.more ?? [];
  refs.slice(0, 10).forEach((ref, i) => work.push(client.fetch(readFileSync(ref), { out: join(dir, `out-${i}.bin`) }).done));
  for (const ref of refs.slice(10, 15)) work.push(readSlowly(client, ref, args.chunkDelayMs ?? 1));
  return { client, peaks, work };
}

async function runChild(args: ChildArgs): Promise<LoadReport> {
  const dir = mkdtempSync(join(tmpdir(), "scc-bench-load-"));
  const backend: StorageBackend = args.backend.startsWith("local:")
    ? createLocalBackend({ dir: args.backend.slice("local:".length) })
    : createCodexBackend({ url: args.backend.slice("codex:".length), requestTimeoutMs: 120_000 });
  let client: StorageClient | undefined;
  try {
    let idle: Sample;
    let peaks: Peaks;
    const start = performance.now();
    let smallMs: number | undefined;
    let work: Promise<unknown>[] = [];
    if (args.what === "messenger") {
      // The baseline is the process before any client: this client's start already resumes uploads.
      idle = sample(undefined);
      ({ client, peaks, work } = await messengerWork(args, backend, dir, (c) => new Peaks(c)));
    } else {
      client = await openClient(args, backend, dir);
      if (args.what === "cached") for (const ref of new Set([...args.inputs, ...(args.small === undefined ? [] : [args.small])])) await client.fetch(readFileSync(ref)).done;
      // Settle what opening the client allocated before the baseline is read.
      await new Promise((r) => setTimeout(r, 500));
      idle = sample(client);
      peaks = new Peaks(client);
      const c = client;
      const begun = performance.now();
      const delay = args.chunkDelayMs ?? 0;
      if (args.what === "share") {
        for (const path of args.inputs) work.push(c.share({ path }).done);
        if (args.small !== undefined) work.push(c.share({ path: args.small }).done.then(() => (smallMs = performance.now() - begun)));
      } else if (args.what === "share-bytes") {
        // The application holds the bytes (counted in this RSS too: idle + their size is its floor).
        const held = args.inputs.map((path) => readFileSync(path));
        for (const [i, bytes] of held.entries()) work.push(c.share({ bytes, fileName: `v${i}.mp4` }).done);
        if (args.small !== undefined) {
          const bytes = readFileSync(args.small);
          work.push(c.share({ bytes, fileName: "small.jpg" }).done.then(() => (smallMs = performance.now() - begun)));
        }
      } else if (args.what === "cached") {
        // Hits: each file was fetched into the cache (one at a time, before the measured window).
        for (const ref of args.inputs) work.push(c.fetch(readFileSync(ref)).done.then((r) => assertCached(r.fromCache)));
        if (args.small !== undefined) work.push(c.fetch(readFileSync(args.small)).done.then((r) => assertCached(r.fromCache)).then(() => (smallMs = performance.now() - begun)));
      } else if (args.what === "fetch" || args.what === "fetch+stream") {
        args.inputs.forEach((ref, i) => work.push(c.fetch(readFileSync(ref), { out: join(dir, `out-${i}.bin`) }).done));
        if (args.small !== undefined) work.push(c.fetch(readFileSync(args.small), { out: join(dir, "small.bin") }).done.then(() => (smallMs = performance.now() - begun)));
        for (const ref of args.more ?? []) work.push(readSlowly(c, ref, delay));
      } else {
        for (const ref of args.inputs) work.push(readSlowly(c, ref, delay));
      }
    }
    await Promise.all(work);
    const wallMs = performance.now() - start;
    const peak = peaks.stop();
    return {
      idleRssMiB: idle.rss / MiB,
      peakRssMiB: peak.rss / MiB,
      idleFds: idle.fds,
      peakFds: peak.fds,
      peakSockets: peak.sockets,
      peakLent: peak.lent,
      peakLentMiB: peak.lentBytes / MiB,
      peakArrayBuffersMiB: peak.arrayBuffers / MiB,
      peakHeapMiB: peak.heap / MiB,
      wallMs,
      ...(smallMs === undefined ? {} : { smallMs }),
    };
  } finally {
    await client?.stop();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertCached(fromCache: boolean): void {
  if (!fromCache) throw new Error("a fetch meant as a cache hit downloaded the file");
}

// ---- the parent ------------------------------------------------------------------------------


/**
 * How a child runs this file: the copy the storage bench just compiled for plain node (its
 * `compiledSelf`, passed in as `compiled`), so the tsx loader is in no figure; else under tsx.
 */
function childEntry(compiled: string | undefined): string[] {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith(".js")) return [self];
  return compiled !== undefined && existsSync(compiled) ? [compiled] : ["--import", "tsx", self];
}

let entry: string[] = ["--import", "tsx", fileURLToPath(import.meta.url)];

function child(args: ChildArgs): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...entry, "--child", JSON.stringify(args)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
    proc.on("error", reject);
    proc.on("close", (code) => {
      if (code !== 0) reject(new Error(`load child ${args.what} exited ${code}: ${err}`));
      else resolve(JSON.parse(out.trim().split("\n").at(-1) as string) as LoadReport);
    });
  });
}

/** A file of `bytes` random bytes, written 1 MiB at a time. */
function writeSource(path: string, bytes: number): void {
  const fd = openSync(path, "w");
  try {
    for (let at = 0; at < bytes; at += MiB) writeSync(fd, randomBytes(Math.min(MiB, bytes - at)));
  } finally {
    closeSync(fd);
  }
}

/** Shares `paths` through a client of this process into `backend`, and writes each reference to a file. */
async function referencesFor(backend: StorageBackend, dir: string, paths: string[], pieceSize?: number): Promise<string[]> {
  const client = await StorageClient.open({ protocol: 3, backend, statePath: join(dir, "setup.sqlite"), dataDir: join(dir, "setup"), renewEveryMs: 0, ...(pieceSize === undefined ? {} : { pieceSize }) });
  try {
    const refs: string[] = [];
    for (const [i, path] of paths.entries()) {
      const { reference } = await client.share({ path }).done;
      const at = join(dir, `ref-${i}.bin`);
      writeFileSync(at, reference);
      refs.push(at);
    }
    return refs;
  } finally {
    await client.stop();
  }
}

export interface LoadOptions {
  /** Concurrent jobs to measure; default 1, 5, 10, 20. */
  counts?: number[];
  sizeMiB?: number;
  /** Which backends: "local", "codex" (full mode through the Codex test server), "light" (light mode through it). */
  backends?: string[];
  /** Streams read slowly (per-chunk pause, ms). */
  streamDelayMs?: number;
  /** Which scenarios (share, share-same, share-bytes, fetch, cached, stream, messenger, big-pieces); default all. */
  scenarios?: string[];
  log?: (line: string) => void;
  /** Client options over the defaults, for every child (a bound under test). */
  clientOptions?: Record<string, number>;
  /** This file compiled to JavaScript (the storage bench compiles it with itself); without it, children run under tsx. */
  compiled?: string;
}

export interface LoadFigures {
  label: string;
  n: number;
  report: LoadReport;
  /** Bytes the application itself holds in the measured process (share of bytes), MiB. */
  appMiB?: number;
}

const ALL_BACKENDS = ["local", "codex", "light"];

function envList(name: string): string[] | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === "" ? undefined : value.split(",").map((v) => v.trim());
}

/**
 * Runs every scenario, each in a fresh child: for each count, shares of distinct files, the same
 * file shared n times, shares of bytes, fetches to files, cache hits and slow streams; at the
 * largest count also the messenger mix and references whose pieces are the whole file.
 */
export async function measureConcurrentLoad(options: LoadOptions = {}): Promise<LoadFigures[]> {
  const counts = options.counts ?? [1, 5, 10, 20];
  const size = (options.sizeMiB ?? 50) * MiB;
  const max = Math.max(...counts, 15);
  // STORAGE_BENCH_LOAD_SCENARIOS / STORAGE_BENCH_LOAD_BACKENDS narrow a run (e.g. only "big-pieces", the one-piece mix).
  const backends = options.backends ?? envList("STORAGE_BENCH_LOAD_BACKENDS") ?? ALL_BACKENDS;
  const scenarios = options.scenarios ?? envList("STORAGE_BENCH_LOAD_SCENARIOS");
  const log = options.log ?? (() => undefined);
  const want = (name: string): boolean => scenarios === undefined || scenarios.includes(name);
  entry = childEntry(options.compiled);
  const dir = mkdtempSync(join(tmpdir(), "scc-bench-concurrent-"));
  const figures: LoadFigures[] = [];
  const codex = backends.some((b) => b !== "local") ? await codexServerProcess() : undefined;
  try {
    const sources = Array.from({ length: max }, (_, i) => join(dir, `source-${i}.bin`));
    for (const path of sources) writeSource(path, size);
    const small = join(dir, "small.bin");
    writeSource(small, 64 * 1024);
    for (const kind of backends) {
      const storeDir = join(dir, `store-${kind}`);
      const url = codex?.url ?? "";
      const spec = kind === "local" ? `local:${storeDir}` : `codex:${url}`;
      const light = kind === "light";
      const setupBackend = (): StorageBackend => (kind === "local" ? createLocalBackend({ dir: storeDir }) : createCodexBackend({ url, requestTimeoutMs: 120_000 }));
      let refs: string[];
      let smallRef: string;
      let wholeRefs: string[] = [];
      const setup = setupBackend();
      try {
        refs = await referencesFor(setup, join(dir, `setup-${kind}`), [...sources, small]);
        smallRef = refs.pop() as string;
        // Pieces as large as the file (a sender's pieceSize; a receiver buffers up to maxPieceBytes, 64 MiB).
        if (want("big-pieces")) wholeRefs = await referencesFor(setup, join(dir, `setup-whole-${kind}`), sources.slice(0, Math.max(...counts)), size);
      } finally {
        await setup.close();
      }
      const run = async (label: string, n: number, args: ChildArgs, appMiB?: number): Promise<void> => {
        const report = await child({ ...args, light, ...(options.clientOptions === undefined ? {} : { options: options.clientOptions }) });
        log(`${kind} ${label} n=${n}: ${JSON.stringify(report)}`);
        figures.push({ label: `${kind}: ${label}`, n, report, ...(appMiB === undefined ? {} : { appMiB }) });
      };
      for (const n of counts) {
        const delay = options.streamDelayMs ?? 1;
        if (want("share")) await run("share distinct files", n, { what: "share", backend: spec, inputs: sources.slice(0, n), small });
        if (want("share-same")) await run("share one file n times (a forward)", n, { what: "share", backend: spec, inputs: Array.from({ length: n }, () => sources[0] as string) });
        if (want("share-bytes")) await run("share bytes held in memory", n, { what: "share-bytes", backend: spec, inputs: sources.slice(0, n), small }, (n * size) / MiB);
        if (want("fetch")) await run("fetch to files", n, { what: "fetch", backend: spec, inputs: refs.slice(0, n), small: smallRef });
        if (want("cached") && kind === "local") await run("fetch, cache hits", n, { what: "cached", backend: spec, inputs: refs.slice(0, n), small: smallRef });
        if (want("stream")) await run("slow fetchStream readers", n, { what: "stream", backend: spec, inputs: refs.slice(0, n), chunkDelayMs: delay });
      }
      const n = Math.max(...counts);
      if (want("messenger")) {
        await run("messenger: 5 uploads resume, one file shared 20 times, 10 fetches and 5 slow streams", 40, { what: "messenger", backend: spec, inputs: sources.slice(0, 6), more: refs.slice(0, 15), chunkDelayMs: options.streamDelayMs ?? 1 });
      }
      if (wholeRefs.length > 0) {
        await run("one-piece files (pieceSize = file): fetches and slow streams together", 2 * n, { what: "fetch+stream", backend: spec, inputs: wholeRefs.slice(0, n), more: wholeRefs.slice(0, n), chunkDelayMs: options.streamDelayMs ?? 1 });
      }
    }
  } finally {
    await codex?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

/** The goal: a client transferring stays under 1000 MB (what the application holds itself aside). */
const GOAL_MB = 1000;

export function loadRows(figures: readonly LoadFigures[]): Row[] {
  const mb = (mib: number): string => `${(mib * 1.048576).toFixed(0)} MB`;
  // Each scenario's growth against its own single job: memory that grows with the jobs shows here.
  const single = new Map(figures.filter((f) => f.n === 1).map((f) => [f.label, f.report.peakRssMiB - f.report.idleRssMiB - (f.appMiB ?? 0)]));
  return figures.map(({ label, n, report: r, appMiB }) => {
    const above = r.peakRssMiB - r.idleRssMiB - (appMiB ?? 0);
    const one = single.get(label);
    const client = r.peakRssMiB - (appMiB ?? 0);
    return {
      metric: `${label}, ${n} at once${appMiB === undefined ? "" : ` (the app's ${fmt(appMiB, 0)} MiB of bytes left out)`}`,
      value: `${mb(client)} peak RSS; ${r.peakFds} fds (${r.peakSockets} sockets); ${r.peakLent} piece buffers (${fmt(r.peakLentMiB, 0)} MiB), all Buffers at most ${fmt(r.peakArrayBuffersMiB - (appMiB ?? 0), 0)} MiB; ${(r.wallMs / 1000).toFixed(1)} s${r.smallMs === undefined ? "" : `, a 64 KiB one queued last: ${(r.smallMs / 1000).toFixed(1)} s`}`,
      floor: `idle ${mb(r.idleRssMiB)}, ${r.idleFds} fds`,
      ratio: one === undefined || n === 1 ? `+${mb(above)}` : `+${mb(above)} (${(above / one).toFixed(2)}× one job's)`,
      goal: `≤ ${GOAL_MB} MB`,
      verdict: client * 1.048576 <= GOAL_MB ? "met" : "missed",
    };
  });
}

if (process.argv[2] === "--child" && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const report = await runChild(JSON.parse(process.argv[3] as string) as ChildArgs);
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
