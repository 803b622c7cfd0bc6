/**
 * `npm run bench -- storage`: the storage client on 50 MiB files.
 *
 * - speed: share → fetch round trip of 50 MiB on the embedded local backend, against a floor
 *   measured in the same run and the same process: AES-256-GCM encrypt + decrypt (the client's
 *   chunk size) + one sha256 of the same 50 MiB. They alternate (which goes first alternates too);
 *   medians and ranges are reported (goal ≤ 2.0×), with the load average;
 * - the ceiling, in the same rounds: the same required work by the leanest pipeline this machine
 *   allows (bench/support/pipeline-ceiling.ts), with durable writes, with a group commit, and with
 *   no fsync at all, so a missed goal says whether the gap is the client's or the machine's;
 * - where the time goes: CPU time of each thread during the round trips (main, hashing worker,
 *   libuv I/O pool), and what each step costs alone on the same data in the same process (a sha256
 *   pass, sealing, opening, the durable writes and the reads), so the table shows what is work the
 *   protocol requires and what is the pipeline's own;
 * - memory: peak RSS of a fresh process sharing then fetching 50 MiB (goal ≤ 200 MB), and of a
 *   started, idle client (goal ≤ 100 MB; on an existing state, the usual start, and on the first
 *   start, which also migrates the new state) with its CPU time over the idle window (goal ≈ 0);
 *   all measured in child processes (bench/support/client-child.ts with `--child`), which load the
 *   package and nothing of this harness, so the figures are an application's;
 * - light mode: a streamed fetch of 50 MiB through the Codex test server (a separate process)
 *   with the Codex backend, in a fresh child, for "50 MB in under 30 s on mobile";
 * - the Codex backend against `@codex-storage/sdk-js` (bench/support/codex-vs-sdk.ts).
 *
 * Run it as `nice npm run bench -- storage` on a shared machine. STORAGE_BENCH_MIB and
 * STORAGE_BENCH_ROUNDS override the size and the rounds.
 */
import { spawn, spawnSync } from "node:child_process";
import { createCipheriv, createDecipheriv, createHash, createSecretKey, pbkdf2, randomBytes, randomUUID } from "node:crypto";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { open, rename, stat } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CLIENT_CHILD_KINDS } from "./support/client-child.js";
import { abRows, type AbSide } from "./support/client-ab.js";
import { codexVsSdkRows } from "./support/codex-vs-sdk.js";
import { codexServerProcess, PROJECT_ROOT as ROOT } from "./support/codex-server-process.js";
import { loadRows, measureConcurrentLoad } from "./support/concurrent-load.js";
import { fmt, fsyncPath, markdownTable, median, type Row } from "./support/measure.js";
import { ContentionProbe, coresDelivered, type ProbeReading } from "./support/contention-probe.js";
import { PipelineCeiling, type CeilingSync, type CeilingTimes } from "./support/pipeline-ceiling.js";
import { chunkCount, newStreamParams, openRange, prepareParams, Sha256Offload, sealedChunkSize, sealRange } from "../src/crypto/index.js";
import { createCodexBackend, createLocalBackend, STORAGE_DEFAULTS, StorageClient, type StorageBackend } from "../src/storage/index.js";

const MiB = 1024 * 1024;
const SIZE = Number(process.env["STORAGE_BENCH_MIB"] ?? 50) * MiB;
const ROUNDS = Number(process.env["STORAGE_BENCH_ROUNDS"] ?? 7);
/** Upload and download rounds per client in the Codex-vs-SDK comparison (its CPU figures are a few ms: more rounds steady them). */
const CODEX_ROUNDS = Number(process.env["STORAGE_BENCH_CODEX_ROUNDS"] ?? 25);
/** The floor seals in the client's own chunk size. */
const CHUNK = STORAGE_DEFAULTS.chunkSize;

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

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(" / ");

/** Makes removals and renames reach the disk outside the timed windows, so no round pays for the previous one's cleanup. */
const syncDir = fsyncPath;

// ---- CPU time per thread (Linux /proc) -------------------------------------------------------

type ThreadClass = "main" | "hash worker" | "I/O pool" | "other";

/** CPU ms of each of this process's threads (utime + stime, 10 ms ticks); empty where /proc is missing. */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const line = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
      out.set(tid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/** CPU ms of every thread together, from a per-class split. */
function allThreads(cpu: Record<ThreadClass, number>): number {
  return cpu.main + cpu["hash worker"] + cpu["I/O pool"] + cpu.other;
}

/**
 * Which thread is which: the main thread is the process id; libuv's I/O pool is found by giving it
 * work only it does (pbkdf2 runs there, one job per pool thread); the hashing worker is the thread
 * that appears with the first digest; the rest are V8's helpers (and the idle probe and ceiling workers).
 */
class ThreadClasses {
  private readonly known = new Map<string, ThreadClass>();

  static async find(): Promise<ThreadClasses> {
    const classes = new ThreadClasses();
    const before = threadCpu();
    const jobs = Number(process.env["UV_THREADPOOL_SIZE"] ?? 4);
    // About 60 ms a job: /proc counts CPU in 10 ms ticks, so a short job can read as none (seen: the
    // whole pool taken for V8's helpers).
    await Promise.all(Array.from({ length: jobs }, () => new Promise((resolve) => pbkdf2(randomBytes(16), "salt", 250_000, 32, "sha256", resolve))));
    for (const [tid, ms] of threadCpu()) {
      const kind: ThreadClass = tid === String(process.pid) ? "main" : ms - (before.get(tid) ?? 0) >= 30 ? "I/O pool" : "other";
      classes.known.set(tid, kind);
    }
    return classes;
  }

  /** Threads not seen before are `kind`. */
  mark(kind: ThreadClass): void {
    for (const tid of threadCpu().keys()) if (!this.known.has(tid)) this.known.set(tid, kind);
  }

  /** CPU ms per class between two threadCpu() snapshots. */
  between(before: Map<string, number>, after: Map<string, number>): Record<ThreadClass, number> {
    const sum: Record<ThreadClass, number> = { main: 0, "hash worker": 0, "I/O pool": 0, other: 0 };
    for (const [tid, ms] of after) sum[this.known.get(tid) ?? "other"] += ms - (before.get(tid) ?? 0);
    return sum;
  }
}

// ---- what each step costs alone ----------------------------------------------------------------

/** Wall ms and CPU ms (all threads) of one step. */
interface Cost {
  wall: number;
  cpu: number;
}

interface StepCosts {
  sha256: Cost;
  seal: Cost;
  open: Cost;
  /** 50 MiB as the local store writes it: one file per piece, fsynced, renamed, directory fsynced. */
  storeWrite: Cost;
  /** 50 MiB as a download writes it: at each piece's offset in one temp file, then datasynced. */
  tempWrite: Cost;
  /** The source and the blocks read back (page cache). */
  reads: Cost;
}

async function costOf(fn: () => unknown): Promise<Cost> {
  const cpu = process.cpuUsage();
  const wall = await timed(fn);
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

function medianCost(costs: readonly Cost[]): Cost {
  return { wall: median(costs.map((c) => c.wall)), cpu: median(costs.map((c) => c.cpu)) };
}

/** Each step of the pipeline on the same 50 MiB, alone, in the client's piece and chunk sizes; medians of `rounds`. */
async function stepCosts(data: Buffer, dir: string, rounds: number): Promise<StepCosts> {
  const chunk = STORAGE_DEFAULTS.chunkSize;
  const piece = STORAGE_DEFAULTS.pieceSize;
  const params = prepareParams(newStreamParams(chunk));
  const totalChunks = chunkCount(data.byteLength, chunk);
  const pieces = Math.ceil(data.byteLength / piece);
  const sealedPiece = (piece / chunk) * sealedChunkSize(chunk);
  const slot = Buffer.allocUnsafe(sealedPiece);
  const sealed: Buffer[] = [];
  for (let i = 0; i < pieces; i++) {
    const n = sealRange(params, { firstChunk: (i * piece) / chunk, totalChunks }, data.subarray(i * piece, (i + 1) * piece), slot);
    sealed.push(Buffer.from(slot.subarray(0, n)));
  }
  const times: Record<keyof StepCosts, Cost[]> = { sha256: [], seal: [], open: [], storeWrite: [], tempWrite: [], reads: [] };
  const work = join(dir, "steps");
  for (let r = 0; r < rounds; r++) {
    times.sha256.push(await costOf(() => createHash("sha256").update(data).digest()));
    times.seal.push(
      await costOf(() => {
        for (let i = 0; i < pieces; i++) sealRange(params, { firstChunk: (i * piece) / chunk, totalChunks }, data.subarray(i * piece, (i + 1) * piece), slot);
      }),
    );
    times.open.push(
      await costOf(() => {
        for (let i = 0; i < pieces; i++) openRange(params, { firstChunk: (i * piece) / chunk, totalChunks }, sealed[i] as Buffer, slot);
      }),
    );
    mkdirSync(work, { recursive: true });
    syncDir(dir);
    times.storeWrite.push(
      await costOf(async () => {
        for (const bytes of sealed) {
          const temp = join(work, `${randomUUID()}.part`);
          const handle = await open(temp, "wx");
          await handle.write(bytes, 0, bytes.byteLength);
          await handle.sync();
          await handle.close();
          await rename(temp, join(work, `b${sealed.indexOf(bytes)}`));
          const d = await open(work, "r");
          await d.sync();
          await d.close();
        }
      }),
    );
    times.tempWrite.push(
      await costOf(async () => {
        const handle = await open(join(work, "temp"), "w");
        for (let i = 0; i < pieces; i++) await handle.write(data, i * piece, Math.min(piece, data.byteLength - i * piece), i * piece);
        await handle.datasync();
        await handle.close();
      }),
    );
    times.reads.push(
      await costOf(async () => {
        const into = Buffer.allocUnsafe(sealedPiece);
        for (let i = 0; i < pieces; i++) {
          for (const path of [join(work, `b${i}`), join(work, "temp")]) {
            const handle = await open(path, "r");
            await handle.read(into, 0, Math.min(into.byteLength, (await stat(path)).size), 0);
            await handle.close();
          }
        }
      }),
    );
    rmSync(work, { recursive: true, force: true });
    syncDir(dir);
  }
  return {
    sha256: medianCost(times.sha256),
    seal: medianCost(times.seal),
    open: medianCost(times.open),
    storeWrite: medianCost(times.storeWrite),
    tempWrite: medianCost(times.tempWrite),
    reads: medianCost(times.reads),
  };
}

// ---- the round trip ----------------------------------------------------------------------------

interface SpeedReport {
  floor: number[];
  share: number[];
  fetch: number[];
  /** CPU ms per thread class in each round trip. */
  cpu: Record<ThreadClass, number>[];
  threadsKnown: boolean;
  /** The ceiling's share and fetch (bench/support/pipeline-ceiling.ts), per way of storing the blocks. */
  ceilings: Record<CeilingSync, CeilingTimes[]>;
  /** CPU ms in all threads of the ceiling's round trips, per way of storing the blocks. */
  ceilingCpu: Record<CeilingSync, number[]>;
  /** Each round's contention probe (bench/support/contention-probe.ts). */
  probe: ProbeReading[];
}

/** Every arrangement the ceiling is measured in, in the order the rounds take them. */
const CEILING_SYNCS: readonly CeilingSync[] = ["each", "grouped", "log", "none"];

/**
 * What one speed child measures beside the floor: the client's round trip, or the ceiling in each
 * of its arrangements. Apart, because in the same rounds the ceilings' 400 MiB of file writes and
 * deletes slowed the client's share that followed them: share 256–276 ms against 117–206 alone,
 * the round trip 4.6–4.8× against 3.1–4.2× the floor (three alternating pairs, 2026-11-29).
 */
type SpeedPart = "client" | "ceilings";

/**
 * The floor and either the client's round trip or the ceiling in each of its arrangements, in
 * turn, after one warm-up of each, in a speed child. Which goes first rotates, so none always meets
 * a warmer or a cooler machine, nor always the others' garbage (each makes about 100 MiB of
 * short-lived chunk buffers). Forcing a full collection before each was tried: it made all slower,
 * the floor most.
 */
async function speedRounds(source: string, dir: string, part: SpeedPart): Promise<SpeedReport> {
  // Started first, so the thread census below counts its idle workers as "other", not as the client's.
  const ceiling = await PipelineCeiling.start(newStreamParams(CHUNK), { size: statSync(source).size, chunkSize: CHUNK, pieceSize: STORAGE_DEFAULTS.pieceSize });
  const probe = await ContentionProbe.start();
  const threads = await ThreadClasses.find();
  // The client's hashing worker is the process's shared one: started here and named at once, so
  // no other thread that a transfer starts can be taken for it.
  const hasher = Sha256Offload.acquire();
  await hasher.digest(Buffer.alloc(1024 * 1024));
  threads.mark("hash worker");
  const data = readFileSync(source);
  const store = createLocalBackend({ dir: join(dir, "store") });
  const client = await StorageClient.open({ protocol: 3, backend: store, statePath: join(dir, "state.sqlite"), dataDir: join(dir, "data"), renewEveryMs: 0 });
  const report: SpeedReport = { floor: [], share: [], fetch: [], cpu: [], threadsKnown: threadCpu().size > 0, ceilings: { each: [], grouped: [], log: [], none: [] }, ceilingCpu: { each: [], grouped: [], log: [], none: [] }, probe: [] };
  const scratch = join(dir, "ceiling");
  for (let round = -1; round < ROUNDS; round++) {
    const out = join(dir, `out-${round}.bin`);
    let share = 0;
    let fetch = 0;
    let floor = 0;
    const ceilingTimes = new Map<CeilingSync, CeilingTimes>();
    const ceilingCpu = new Map<CeilingSync, number>();
    let cpu: Record<ThreadClass, number> | undefined;
    mkdirSync(scratch, { recursive: true });
    const reading = await probe.measure();
    const steps: (() => Promise<void>)[] = [
      async () => {
        floor = await timed(() => floorOnce(data));
      },
      ...(part !== "client" ? [] : [async () => {
        const before = threadCpu();
        let reference: Uint8Array = new Uint8Array();
        share = await timed(async () => {
          reference = (await client.share({ path: source }).done).reference;
        });
        fetch = await timed(() => client.fetch(reference, { out }).done);
        cpu = threads.between(before, threadCpu());
      }]),
      ...(part !== "ceilings" ? [] : CEILING_SYNCS.map((sync) => async () => {
        const before = threadCpu();
        ceilingTimes.set(sync, await ceiling.roundTrip(source, scratch, sync));
        ceilingCpu.set(sync, allThreads(threads.between(before, threadCpu())));
      })),
    ];
    const first = (round + 1) % steps.length;
    for (let k = 0; k < steps.length; k++) await (steps[(first + k) % steps.length] as () => Promise<void>)();
    rmSync(out, { force: true });
    rmSync(join(dir, "store"), { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    syncDir(dir);
    if (round < 0) continue;
    report.floor.push(floor);
    report.probe.push(reading);
    if (part === "client") {
      report.share.push(share);
      report.fetch.push(fetch);
    }
    for (const sync of part === "ceilings" ? CEILING_SYNCS : []) {
      report.ceilings[sync].push(ceilingTimes.get(sync) as CeilingTimes);
      report.ceilingCpu[sync].push(ceilingCpu.get(sync) as number);
    }
    if (cpu !== undefined) report.cpu.push(cpu);
  }
  await client.stop();
  await store.close();
  await ceiling.close();
  await probe.close();
  await Sha256Offload.release(hasher);
  return report;
}

/**
 * Times against the floor measured next to them (same load), and the best of each (the least
 * disturbed). Another process on one of the two cores slows the one-thread floor and a two-thread
 * pipeline differently, so either can flatter: the verdict takes the larger.
 */
function againstFloor(times: readonly number[], floors: readonly number[]): { ratio: number; paired: number; best: number; ratios: number[] } {
  const ratios = times.map((t, i) => t / (floors[i] as number));
  const paired = median(ratios);
  const best = Math.min(...times) / Math.min(...floors);
  return { ratio: Math.max(paired, best), paired, best, ratios };
}

/** One ceiling arrangement's rounds: their round trips against the floor, and its table rows. */
function ceilingRows(times: readonly CeilingTimes[], floors: readonly number[]): ReturnType<typeof againstFloor> & { trips: number[]; row(metric: string): Row; split(metric: string): Row } {
  const trips = times.map((c) => c.share + c.fetch);
  const against = againstFloor(trips, floors);
  return {
    ...against,
    trips,
    row: (metric) => ({
      metric,
      value: fmt(median(trips), 0),
      floor: fmt(median(floors), 0),
      ratio: `${against.ratio.toFixed(2)}× (rounds' own: median ${against.paired.toFixed(2)}×; best rounds ${against.best.toFixed(2)}×)`,
    }),
    split: (metric) => ({ metric, value: `${fmt(median(times.map((c) => c.share)), 0)} / ${fmt(median(times.map((c) => c.fetch)), 0)}` }),
  };
}

/** Wholly two cores: the probe's reading at or above which a round counts as uncontended. */
const WHOLE_CORES = 1.9;

/** The rounds' own ratios where the probe found the cores whole: the goal judged on an undisturbed machine. */
function wholeCoreRounds(cores: readonly number[], ratios: readonly number[]): Row {
  const whole = ratios.filter((_, i) => (cores[i] as number) >= WHOLE_CORES);
  return {
    metric: `  rounds whose probe read ≥ ${WHOLE_CORES.toFixed(2)} cores: their own ratios`,
    value: `${whole.length} of ${ratios.length}`,
    ratio: whole.length === 0 ? "none" : `median ${median(whole).toFixed(2)}×, ${Math.min(...whole).toFixed(2)}–${Math.max(...whole).toFixed(2)}`,
  };
}

const range = (values: readonly number[]): string => `${fmt(Math.min(...values), 0)}–${fmt(Math.max(...values), 0)}`;

async function speedRows(): Promise<{ rows: Row[]; where: Row[]; loadBefore: string; loadAfter: string }> {
  const dir = mkdtempSync(join(tmpdir(), "scc-bench-storage-"));
  const loadBefore = load();
  let report: SpeedReport;
  let bounds: SpeedReport;
  let steps: StepCosts;
  try {
    writeSource(join(dir, "source.bin"));
    report = (await runChild(["speed", join(dir, "source.bin"), "client"])).speed as SpeedReport;
    bounds = (await runChild(["speed", join(dir, "source.bin"), "ceilings"])).speed as SpeedReport;
    // In a process of their own: the round trips' garbage would slow them (and theirs the rounds).
    steps = (await runChild(["steps", join(dir, "source.bin")])).steps as StepCosts;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const loadAfter = load();
  const trips = report.share.map((s, i) => s + (report.fetch[i] as number));
  const floor = median(report.floor);
  const trip = median(trips);
  const { ratio, paired, best, ratios } = againstFloor(trips, report.floor);
  const cores = coresDelivered(report.probe);
  // The ceilings against the floor of their own child (speedRounds); the client against a ceiling as their ratios to their floors.
  const ceiling = ceilingRows(bounds.ceilings.each, bounds.floor);
  const grouped = ceilingRows(bounds.ceilings.grouped, bounds.floor);
  const logged = ceilingRows(bounds.ceilings.log, bounds.floor);
  const unsynced = ceilingRows(bounds.ceilings.none, bounds.floor);
  const clientOverCeiling = paired / ceiling.paired;
  const clientOverLog = paired / logged.paired;
  // The ceiling has no journal, window, retries or port: under the goal it shows the machine allows it, not that a client can.
  const bestPerFile = Math.min(ceiling.ratio, grouped.ratio);
  const verdict =
    ratio <= 2
      ? "met"
      : `missed; the leanest pipeline, with nothing a client needs beyond the required work, is ${bestPerFile.toFixed(2)}× here on the store's layout (one file per block) and ${logged.ratio.toFixed(2)}× on a log file`;
  const rows: Row[] = [
    {
      metric: `share → fetch ${SIZE / MiB} MiB, local backend (ms, median of ${ROUNDS})`,
      value: fmt(trip, 0),
      floor: fmt(floor, 0),
      ratio: `${ratio.toFixed(2)}× (rounds' own ratios: median ${paired.toFixed(2)}×, ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}; best rounds ${best.toFixed(2)}×; medians ${(trip / floor).toFixed(2)}×)`,
      goal: "≤ 2.0×",
      verdict,
    },
    { metric: "  of which share (encrypt, hash, store pieces, journal)", value: fmt(median(report.share), 0), ratio: `${(median(report.share) / floor).toFixed(2)}×` },
    { metric: "  of which fetch (verify, decrypt, write at offsets, rename)", value: fmt(median(report.fetch), 0), ratio: `${(median(report.fetch) / floor).toFixed(2)}×` },
    { metric: "  floor rounds (ms)", value: `${report.floor.map((f) => f.toFixed(0)).join(" / ")} (range ${range(report.floor)})` },
    { metric: "  round-trip rounds (ms)", value: `${trips.map((f) => f.toFixed(0)).join(" / ")} (range ${range(trips)})` },
    {
      metric: "  two threads hashing at once, each round (cores' worth of the run's fastest lone thread; 2.00: neither was slowed)",
      value: cores.map((c) => c.toFixed(2)).join(" / "),
    },
    wholeCoreRounds(cores, ratios),
    ceiling.row("ceiling: the same work by the leanest pipeline, one worker per core, durable writes, one file per block as the client (ms, median)"),
    ceiling.split("  of which share / fetch"),
    grouped.row("  the same, the blocks made durable in groups as they come: a group's files fsynced together, renamed, their directory fsynced once (group commit)"),
    logged.row("  the same, the blocks appended to one log file, one datasync at a time (a log-structured store)"),
    logged.split("    of which share / fetch"),
    unsynced.row("  the same with no fsync at all (not crash-safe): the bound for the required crypto here"),
    { metric: "  ceilings' floor rounds (ms; the ceilings run in a child of their own, after the client's)", value: `${bounds.floor.map((f) => f.toFixed(0)).join(" / ")} (range ${range(bounds.floor)})` },
    { metric: "the client's round trip against the durable ceiling, one file per block as the client (the medians of each one's ratios to its floor)", value: "", ratio: `${clientOverCeiling.toFixed(2)}×` },
    { metric: "the client's round trip against the log-structured ceiling (the same)", value: "", ratio: `${clientOverLog.toFixed(2)}×` },
  ];
  return { rows, where: whereRows(report, bounds, steps, floor, trip, median(logged.trips), median(cores)), loadBefore, loadAfter };
}

/** The "where the time goes" table: the round trip's CPU by thread, and what its steps cost alone. */
function whereRows(report: SpeedReport, bounds: SpeedReport, s: StepCosts, floor: number, trip: number, logTrip: number, cores: number): Row[] {
  const cpu = (kind: ThreadClass): number => median(report.cpu.map((c) => c[kind]));
  const total = median(report.cpu.map(allThreads));
  // The crypto steps are one thread's work: their wall time (their CPU time also counts GC helpers).
  const hashing = 4 * s.sha256.wall;
  const crypto = hashing + s.seal.wall + s.open.wall;
  const ioWall = s.storeWrite.wall + s.tempWrite.wall + s.reads.wall;
  const ioCpu = s.storeWrite.cpu + s.tempWrite.cpu + s.reads.cpu;
  const ms = (n: number): string => `${fmt(n, 0)} ms`;
  const pct = (n: number): string => `${Math.round(n * 100)} %`;
  const nominal = availableParallelism();
  const budget = nominal * 2 * floor;
  const delivered = cores * 2 * floor;
  const rows: Row[] = [
    { metric: "floor: seal + open + one sha256 pass, one thread", value: ms(floor) },
    { metric: "sha256 of 50 MiB, one pass", value: `${fmt(s.sha256.wall, 1)} ms`, floor: "4 passes in the round trip", ratio: ms(hashing) },
    { metric: "seal 50 MiB (AES-256-GCM, 64 KiB chunks, into piece slots)", value: `${fmt(s.seal.wall, 1)} ms` },
    { metric: "open 50 MiB (into piece slots)", value: `${fmt(s.open.wall, 1)} ms` },
    { metric: "required crypto: 4 sha256 passes + seal + open", value: ms(crypto), ratio: `${(crypto / floor).toFixed(2)}× floor` },
    { metric: "store writes: 13 blocks, each fsynced, renamed, directory fsynced", value: `${ms(s.storeWrite.wall)} wall`, floor: `${ms(s.storeWrite.cpu)} CPU` },
    { metric: "temp file: 50 MiB at piece offsets, datasynced", value: `${ms(s.tempWrite.wall)} wall`, floor: `${ms(s.tempWrite.cpu)} CPU` },
    { metric: "reads: blocks and the file back (page cache)", value: `${ms(s.reads.wall)} wall`, floor: `${ms(s.reads.cpu)} CPU` },
    { metric: "required I/O, one step after the other", value: `${ms(ioWall)} wall`, floor: `${ms(ioCpu)} CPU` },
    // What the goal allows at all: every core busy for the whole of 2.0 × the floor. The required
    // work's share of that is the utilization a client needs with no cost of its own.
    {
      metric: `CPU time all ${nominal} cores give in the goal's time (${nominal} × 2.0 × the floor)`,
      value: ms(budget),
      floor: `required crypto + required I/O CPU: ${ms(crypto + ioCpu)}`,
      ratio: `${pct((crypto + ioCpu) / budget)} of it`,
    },
    {
      metric: "CPU time they delivered in the goal's time (the contention probe's median × 2.0 × the floor)",
      value: ms(delivered),
      floor: `required crypto + required I/O CPU: ${ms(crypto + ioCpu)}`,
      ratio: `${pct((crypto + ioCpu) / delivered)} of it`,
    },
  ];
  if (report.threadsKnown && report.cpu.length > 0) {
    rows.push(
      { metric: "round trip: CPU of the main thread (seal, open, driving I/O and the journal, JS)", value: ms(cpu("main")) },
      { metric: "round trip: CPU of the hashing worker", value: ms(cpu("hash worker")) },
      { metric: "round trip: CPU of the libuv I/O pool (reads, writes, fsyncs)", value: ms(cpu("I/O pool")) },
      { metric: "round trip: CPU of other threads (V8 GC helpers)", value: ms(cpu("other")) },
      { metric: "round trip: CPU in all threads / wall", value: `${ms(total)} / ${ms(trip)}`, ratio: `${(total / trip).toFixed(2)} cores busy` },
      { metric: "round trip: CPU in all threads against the goal's CPU time", value: `${ms(total)} / ${ms(budget)}`, ratio: `${pct(total / budget)}` },
      {
        metric: "the leanest pipeline on a log file (the ceiling): CPU in all threads / wall",
        value: `${ms(median(bounds.ceilingCpu.log))} / ${ms(logTrip)}`,
        ratio: `${(median(bounds.ceilingCpu.log) / logTrip).toFixed(2)} cores busy; ${pct(median(bounds.ceilingCpu.log) / budget)} of the goal's CPU time`,
      },
      {
        metric: "the pipeline's own CPU: all threads − required crypto − required I/O",
        value: `≈ ${ms(Math.max(0, total - crypto - ioCpu))}`,
        floor: "copies, event-loop hops, worker messages, journal, JS, GC",
      },
    );
  }
  return rows;
}

interface ChildReport {
  peakRssMiB: number;
  rssMiB: number;
  cpuMs: number;
  wallMs: number;
  speed?: SpeedReport;
  steps?: StepCosts;
}

/**
 * This file compiled to JavaScript (tsc, incremental) under node_modules/.cache, so the memory
 * children run on plain node as an application would, without the tsx loader (about 35 MB of RSS).
 * Packages still resolve: the output sits below the project's node_modules.
 */
function compiledSelf(root: string = ROOT): { self: string; clientChild: string } | undefined {
  const cache = join(root, "node_modules", ".cache", "status-compat-bench");
  mkdirSync(cache, { recursive: true });
  writeFileSync(
    join(cache, "tsconfig.json"),
    JSON.stringify({
      extends: "../../../tsconfig.json",
      compilerOptions: { outDir: "./out", rootDir: "../../..", noEmit: false, declaration: false, sourceMap: false, incremental: true, tsBuildInfoFile: "./out/.tsbuildinfo" },
      include: [],
      files: ["../../../bench/storage.bench.ts", "../../../bench/support/client-child.ts"],
    }),
  );
  const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(cache, "tsconfig.json")], { cwd: root, encoding: "utf8" });
  const self = join(cache, "out", "bench", "storage.bench.js");
  const clientChild = join(cache, "out", "bench", "support", "client-child.js");
  return tsc.status === 0 && existsSync(self) && existsSync(clientChild) ? { self, clientChild } : undefined;
}

/**
 * For the timing children only: glibc keeps freed memory instead of handing it back to the kernel.
 * Both the floor and the client make about 100 MiB of 64 KiB chunk buffers per run; on this
 * machine (a microVM) memory handed back and touched again costs page faults worth up to half the
 * floor, and the floor alone drifts from 53 to 70–83 ms after a few runs with nothing else in the
 * process. With this it stays put, for the floor and the client alike. Memory figures use the
 * default allocator.
 */
const KEEP_FREED_MEMORY = "glibc.malloc.trim_threshold=4000000000:glibc.malloc.mmap_threshold=4000000000:glibc.malloc.top_pad=268435456";

let childEntries: { self: string[]; clientChild: string[] } | undefined;
/** Another checkout's compiled bench (STORAGE_BENCH_AGAINST), by its root. */
const otherEntries = new Map<string, string[]>();

/**
 * A child process: the memory children (idle, transfer, light) run client-child.ts, which loads only
 * the package; the rest this file, or, given `root`, another checkout's copy of it (its own code).
 */
function runChild(args: string[], root: string = ROOT): Promise<ChildReport> {
  if (childEntries === undefined) {
    const compiled = compiledSelf();
    const clientChildSource = fileURLToPath(new URL("./support/client-child.ts", import.meta.url));
    childEntries =
      compiled === undefined
        ? { self: ["--import", "tsx", fileURLToPath(import.meta.url)], clientChild: ["--import", "tsx", clientChildSource] }
        : { self: [compiled.self], clientChild: [compiled.clientChild] };
  }
  if (root !== ROOT && !otherEntries.has(root)) {
    const compiled = compiledSelf(root);
    if (compiled === undefined) throw new Error(`bench: the storage bench of ${root} does not compile (tsc -p ${join(root, "node_modules", ".cache", "status-compat-bench")})`);
    otherEntries.set(root, [compiled.self]);
  }
  const entry = root !== ROOT ? (otherEntries.get(root) as string[]) : CLIENT_CHILD_KINDS.includes(args[0] as string) ? childEntries.clientChild : childEntries.self;
  return new Promise((resolve, reject) => {
    const timing = args[0] === "speed" || args[0] === "steps";
    const env = timing && process.env["GLIBC_TUNABLES"] === undefined ? { ...process.env, GLIBC_TUNABLES: KEEP_FREED_MEMORY } : process.env;
    const child = spawn(process.execPath, [...entry, "--child", ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
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
  // The usual start opens a state at its level (the first start of a process ran the migration: a child did).
  const stateDir = mkdtempSync(join(tmpdir(), "scc-bench-idle-"));
  let idle: ChildReport;
  let first: ChildReport;
  try {
    first = await runChild(["idle", stateDir]);
    idle = await runChild(["idle", stateDir]);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
  const light = await lightFetch();
  const mb = (mib: number): string => `${(mib * 1.048576).toFixed(0)} MB`;
  return [
    { metric: `peak RSS, share + fetch ${SIZE / MiB} MiB (fresh process)`, value: mb(transfer.peakRssMiB), goal: "≤ 200 MB", verdict: transfer.peakRssMiB * 1.048576 <= 200 ? "met" : "missed" },
    { metric: "RSS of a started, idle client (its state exists: every start but the first)", value: mb(idle.rssMiB), goal: "≤ 100 MB", verdict: idle.rssMiB * 1.048576 <= 100 ? "met" : "missed" },
    { metric: "  the same on the very first start (the new state is migrated: umzug is loaded)", value: mb(first.rssMiB), goal: "≤ 100 MB", verdict: first.rssMiB * 1.048576 <= 100 ? "met" : "missed" },
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

/** STORAGE_BENCH_PARTS=speed,memory,codex,concurrency (default: all four) runs only some of them; `ab` (not in the default) is abSection's comparison. */
const PARTS = new Set((process.env["STORAGE_BENCH_PARTS"] ?? "speed,memory,codex,concurrency").split(",").map((p) => p.trim()));

/**
 * The concurrency part (bench/support/concurrent-load.ts): many transfers at once, each count in a
 * fresh child on plain node (compiled with this file). STORAGE_BENCH_LOAD_COUNTS sets the counts.
 */
async function concurrencySection(): Promise<string> {
  const compiled = compiledSelf();
  const counts = (process.env["STORAGE_BENCH_LOAD_COUNTS"] ?? "1,5,10,20").split(",").map(Number);
  const figures = await measureConcurrentLoad({
    counts,
    sizeMiB: SIZE / MiB,
    ...(compiled === undefined ? {} : { compiled: join(compiled.self, "..", "support", "concurrent-load.js") }),
  });
  return `\nMany transfers at once (bench/support/concurrent-load.ts; ${SIZE / MiB} MiB files, each row a fresh child; peak RSS, descriptors and the client's piece buffers sampled every 10 ms; the ratio is the increase over idle against one job's):\n\n${markdownTable(loadRows(figures))}\n`;
}

/**
 * STORAGE_BENCH_PARTS=ab with STORAGE_BENCH_AGAINST=<another checkout> (a `git worktree` of the old
 * revision): the client's round trip of this checkout (B) against that one's (A) in
 * STORAGE_BENCH_AB_PAIRS (default 3) alternating pairs of speed children, the client alone beside
 * its floor (no ceilings, no steps: about 10 s a child). Each side's child is its own bench file
 * compiled with its own code, so the old side must have the client-only speed child (cdd2f52).
 */
async function abSection(): Promise<string> {
  const against = process.env["STORAGE_BENCH_AGAINST"];
  if (against === undefined || against === "") throw new Error("bench: STORAGE_BENCH_PARTS=ab needs STORAGE_BENCH_AGAINST, the path of the checkout to compare with (git worktree add /tmp/bw/<rev> <rev>)");
  const there = realpathSync(against);
  // Its compiled bench goes under its node_modules/.cache: a link to this checkout's whole folder would compile both into one place.
  if (realpathSync(join(there, "node_modules")) === realpathSync(join(ROOT, "node_modules"))) {
    throw new Error(`bench: ${against}/node_modules is this checkout's; give it a folder of its own whose entries link to this one's (mkdir node_modules; ln -s ${ROOT}/node_modules/* node_modules/)`);
  }
  const pairs = Number(process.env["STORAGE_BENCH_AB_PAIRS"] ?? 3);
  const dir = mkdtempSync(join(tmpdir(), "scc-bench-ab-"));
  try {
    const source = join(dir, "source.bin");
    writeSource(source);
    const side = (label: string, root: string): AbSide => ({ label, run: async () => (await runChild(["speed", source, "client"], root)).speed as SpeedReport });
    const rows = await abRows(pairs, side(`this checkout (${ROOT})`, ROOT), side(against, there));
    return `\nThe client's round trip, this checkout (B) against ${against} (A), ${pairs} alternating pairs of speed children (${ROUNDS} rounds each, ${SIZE / MiB} MiB):\n\n${markdownTable(rows)}\n`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<string> {
  // The Codex comparison measures this process's CPU time (a few ms per transfer): first, before
  // the other parts leave garbage whose collection would land in either client's rounds.
  let codex = "";
  if (PARTS.has("codex")) {
    try {
      codex = `\nCodex backend against \`@codex-storage/sdk-js\` 0.1.3 (from bench/support/codex-vs-sdk.ts; the SDK is the floor):\n\n${markdownTable(await codexVsSdkRows({ sizeMiB: SIZE / MiB, rounds: CODEX_ROUNDS }))}\n`;
    } catch (error) {
      codex = `\nCodex-vs-SDK comparison failed to run: ${(error as Error).message}\n`;
    }
  }
  const speed = PARTS.has("speed") ? await speedRows() : { rows: [], where: [], loadBefore: load(), loadAfter: load() };
  const rows = [...speed.rows, ...(PARTS.has("memory") ? await memoryRows() : [])];
  const how = childEntries?.self[0] === "--import" ? "under tsx (compiling for plain node failed)" : "on plain node (compiled by tsc)";
  const machine = `${availableParallelism()} cores, shared; load average (1/5/15 min) ${speed.loadBefore} before the speed rounds, ${speed.loadAfter} after.`;
  const where = speed.where.length === 0 ? "" : `\nWhere the round trip's time goes (medians; each step measured alone on the same data, in a process of its own):\n\n${markdownTable(speed.where)}\n`;
  const concurrency = PARTS.has("concurrency") ? await concurrencySection() : "";
  const ab = PARTS.has("ab") ? await abSection() : "";
  if (rows.length === 0 && where === "" && codex === "" && concurrency === "") return ab;
  return `${markdownTable(rows)}\n\nEvery figure comes from a fresh child process ${how}; floor, round trip and ceiling take turns in one of them. ${machine}\n${where}${codex}${concurrency}${ab}`;
}

// ---- child processes -------------------------------------------------------------------------

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
    if (kind === "speed") return { peakRssMiB: 0, rssMiB: 0, cpuMs: 0, wallMs: 0, speed: await speedRounds(rest[0] as string, dir, rest[1] === "ceilings" ? "ceilings" : "client") };
    if (kind === "steps") return { peakRssMiB: 0, rssMiB: 0, cpuMs: 0, wallMs: 0, steps: await stepCosts(readFileSync(rest[0] as string), dir, Math.max(3, Math.min(ROUNDS, 7))) };
    throw new Error(`no bench child of kind ${kind}`);
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

if (process.argv[2] === "--child" && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const report = await child(process.argv[3] as string, process.argv.slice(4));
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
