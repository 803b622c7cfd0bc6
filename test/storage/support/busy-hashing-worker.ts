import { Sha256Offload } from "../../../src/crypto/index.js";

/**
 * Keeps the process's hashing worker (shared with every client) busy with eight 64 MiB digests once
 * `hold()` is called, so a job's next digest (an upload's or a download's whole-file hash) waits
 * behind them: a test can then act while the job takes its last steps. `release()` waits for them
 * and gives the worker back.
 */
export function busyHashingWorker(): { hold(): void; release(): Promise<void> } {
  const worker = Sha256Offload.acquire();
  const busy = Buffer.from(new SharedArrayBuffer(64 * 1024 * 1024));
  const held: Promise<Buffer>[] = [];
  return {
    hold() {
      if (held.length === 0) for (let i = 0; i < 8; i++) held.push(worker.digest(busy));
    },
    async release() {
      await Promise.allSettled(held);
      await Sha256Offload.release(worker);
    },
  };
}
