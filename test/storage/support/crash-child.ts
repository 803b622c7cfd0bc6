/**
 * A storage client in its own process, for the crash tests: the parent SIGKILLs it mid-transfer
 * and starts it again. Usage: node --import tsx crash-child.ts <upload|download> <workdir> [file]
 *
 * It logs every piece the backend is asked to store ("put <sha256>") or read ("get <cid>") to
 * <workdir>/calls.log before the call (appendFileSync: survives the kill), and prints
 * "progress <n>" on stdout as pieces complete and "done" at the end. A run finds the job it was
 * doing in the journal and resumes it; only the first run creates it.
 */
import { createHash } from "node:crypto";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import type { BackendCallOptions, GetResult, PutOptions, StorageBackend } from "../../../src/storage/backend.js";
import { createLocalBackend } from "../../../src/storage/backends/local/index.js";
import { StorageClient } from "../../../src/storage/index.js";

const [mode, work, file] = process.argv.slice(2) as [string, string, string | undefined];
const log = join(work, "calls.log");
const delayMs = 25;

async function bytesOf(body: Uint8Array | AsyncIterable<Uint8Array>): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body);
  const parts: Buffer[] = [];
  for await (const p of body) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

/** The local store, slowed down so a kill lands mid-transfer, logging each call before it happens. */
function loggingStore(inner: StorageBackend): StorageBackend {
  return {
    kind: inner.kind,
    location: inner.location,
    async put(body: Uint8Array | AsyncIterable<Uint8Array>, options?: PutOptions) {
      const bytes = await bytesOf(body);
      appendFileSync(log, `put ${createHash("sha256").update(bytes).digest("hex")}\n`);
      await sleep(delayMs);
      return inner.put(bytes, options);
    },
    async get(cid: string, options?: BackendCallOptions): Promise<GetResult> {
      appendFileSync(log, `get ${cid}\n`);
      await sleep(delayMs);
      return inner.get(cid, options);
    },
    has: (cid, options) => inner.has(cid, options),
    delete: (cid, options) => inner.delete(cid, options),
    space: (options) => inner.space(options),
    close: () => inner.close(),
  };
}

const backend = loggingStore(createLocalBackend({ dir: join(work, "store") }));
const client = await StorageClient.open({
  protocol: 3,
  backend,
  statePath: join(work, `${mode}.sqlite`),
  dataDir: join(work, `${mode}-data`),
  chunkSize: 4096,
  pieceSize: 16 * 1024,
  piecesInFlight: 2,
  renewEveryMs: 0,
  retry: { baseDelayMs: 5, maxDelayMs: 20 },
});
const existing = client.jobs().find((j) => j.kind === (mode === "upload" ? "upload" : "download"));
const job =
  existing !== undefined
    ? client.job(existing.id)
    : mode === "upload"
      ? client.share({ path: file as string })
      : client.fetch(readFileSync(join(work, "ref.bin")), { out: join(work, "out.bin") });
job.on("progress", (p) => process.stdout.write(`progress ${p.piecesDone}\n`));
const result = await job.done;
if ("reference" in result) writeFileSync(join(work, "ref.bin"), result.reference);
await client.stop();
await backend.close();
process.stdout.write("done\n");
