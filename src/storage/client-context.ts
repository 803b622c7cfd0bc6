import type Database from "better-sqlite3";
import type { Sha256Offload } from "../crypto/index.js";
import type { Logger } from "../obs/index.js";
import type { CacheStore } from "./cache-store.js";
import type { BufferPool } from "./file-io.js";
import type { Clock } from "./client-options.js";
import type { AvailabilityJournal } from "./journal/availability-journal.js";
import type { DownloadJournal } from "./journal/download-journal.js";
import type { UploadJournal } from "./journal/upload-journal.js";
import type { EndpointPool, RetryEvent, RetryPolicy, TimerPort } from "./retry/index.js";
import type { StorageMetrics } from "./storage-metrics.js";

/** Everything a job runner needs from its client, resolved once. */
export interface ClientContext {
  readonly protocol: number;
  /** Version 3 writes uploaded/expires timestamps and piece offsets. */
  readonly writesExpiry: boolean;
  readonly db: Database.Database;
  readonly pool: EndpointPool;
  /** What an upload's pieces are tied to, recorded per upload: full mode the primary store, light mode the endpoint set (storeIdentityOf). */
  readonly storeIdentity: string | undefined;
  readonly policy: RetryPolicy;
  readonly uploads: UploadJournal;
  readonly downloads: DownloadJournal;
  readonly availability: AvailabilityJournal;
  readonly cache: CacheStore;
  readonly metrics: StorageMetrics;
  /** Piece hashes off the main thread. */
  readonly hasher: Sha256Offload;
  /** Slot buffers shared across back-to-back jobs. */
  readonly buffers: BufferPool;
  readonly log: Logger;
  readonly clock: Clock;
  /** What deadlines (retry.deadlineMs) run on. */
  readonly timers: TimerPort;
  readonly random: () => number;
  readonly piecesInFlight: number;
  readonly maxFileBytes: number;
  readonly maxPieceBytes: number;
  readonly ttlMs: number;
  readonly renewBeforeMs: number;
  readonly dirs: { readonly cache: string; readonly spool: string };
}

/** A retry hook that counts and logs (code and endpoint only). */
export function retryReporter(ctx: ClientContext, direction: "up" | "down", what: string): (event: RetryEvent) => void {
  return (event) => {
    ctx.metrics.retries.inc({ direction, code: event.code });
    ctx.log.debug({ what, attempt: event.attempt, endpoint: event.endpoint, code: event.code, delayMs: event.delayMs }, "retrying");
  };
}
