/**
 * How much two threads get done at once on this machine, measured next to the rounds it explains.
 *
 * The goal's CPU budget assumes each of the cores runs a thread at the speed one thread alone gets.
 * On a shared host the two vCPUs do not always: measured here, sha256 of 50 MiB took 26 ms alone
 * and 34 ms on each thread when both hashed at once, in 4 of 6 rounds of one run, and 26 ms in all
 * but one of 20 rounds an hour later. The probe hashes the same bytes on the main thread alone, on
 * a worker alone, then on both at once; `coresDelivered` turns the readings into the cores' worth
 * of one thread the two gave: 2.0 when they ran as fast as one alone, less when they were slowed.
 */
import { createHash } from "node:crypto";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

const ROLE = "contention-probe";

interface ProbeInit {
  role: typeof ROLE;
  bytes: number;
}

export interface ProbeReading {
  alone: number;
  together: number;
}

/**
 * Cores' worth of one thread in each reading: two threads' work against the fastest one thread
 * did alone in the whole run, so a reading whose lone hash was itself slowed reads no higher.
 */
export function coresDelivered(readings: readonly ProbeReading[]): number[] {
  const fastest = Math.min(...readings.map((r) => r.alone));
  return readings.map((r) => (2 * fastest) / r.together);
}

export class ContentionProbe {
  private constructor(
    private readonly worker: Worker,
    private readonly data: Buffer,
  ) {}

  /** `bytes` per hash: 32 MiB takes about 17 ms here, long against the message hop, short against a round. */
  static async start(bytes = 32 * 1024 * 1024): Promise<ContentionProbe> {
    const init: ProbeInit = { role: ROLE, bytes };
    const worker = new Worker(new URL(import.meta.url), { workerData: init });
    await new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", reject);
    });
    const probe = new ContentionProbe(worker, Buffer.alloc(bytes, 7));
    // One pass each first: the measurements below should not include a first touch of the pages.
    await probe.measure();
    return probe;
  }

  /** One reading: the faster thread's time alone, and the two threads' mean time hashing at once (ms). */
  async measure(): Promise<ProbeReading> {
    const mainAlone = this.hashHere();
    const workerAlone = await this.hashThere();
    const there = this.hashThere();
    const mainPaired = this.hashHere();
    const workerPaired = await there;
    return { alone: Math.min(mainAlone, workerAlone), together: (mainPaired + workerPaired) / 2 };
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private hashHere(): number {
    const start = performance.now();
    createHash("sha256").update(this.data).digest();
    return performance.now() - start;
  }

  private hashThere(): Promise<number> {
    return new Promise((resolve, reject) => {
      // Both listeners go once either fires: a run makes about twenty of these calls.
      const answered = (ms: number): void => {
        this.worker.off("error", failed);
        resolve(ms);
      };
      const failed = (error: Error): void => {
        this.worker.off("message", answered);
        reject(error);
      };
      this.worker.once("message", answered);
      this.worker.once("error", failed);
      this.worker.postMessage("hash");
    });
  }
}

function workerMain(init: ProbeInit): void {
  const port = parentPort as NonNullable<typeof parentPort>;
  const data = Buffer.alloc(init.bytes, 7);
  port.on("message", () => {
    const start = performance.now();
    createHash("sha256").update(data).digest();
    port.postMessage(performance.now() - start);
  });
  port.postMessage("ready");
}

if (!isMainThread && (workerData as Partial<ProbeInit> | null)?.role === ROLE) workerMain(workerData as ProbeInit);
