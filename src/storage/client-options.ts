import type { Logger, Metrics } from "../obs/index.js";
import type { StateHandle } from "../state/index.js";
import type { ProtocolProfile } from "../versions/index.js";
import type { StorageBackend } from "./backend.js";
import { keysOf } from "./option-keys.js";
import type { EndpointOrder, RetryPolicy, TimerPort } from "./retry/index.js";

/** Milliseconds since the epoch; injectable so tests can move time (availability, renewal). */
export interface Clock {
  /** Epoch milliseconds (Date.now()); a first reading below 1e11 (seconds, 1973) or from 1e14 is refused (object-options.ts). */
  now(): number;
  /**
   * Milliseconds from any origin that never go back (performance.now()): how the client measures
   * time passing while `now()` reads earlier than a time it has already seen (a clock set back;
   * src/storage/floored-clock.ts). Without it, that time holds still until `now()` catches up.
   */
  monotonic?(): number;
}

export const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

const MiB = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The smallest AEAD chunk a client seals with or agrees to open. Opening costs a few microseconds
 * per chunk on the main thread whatever its size, so a reference sealed in 1-byte chunks (valid on
 * the wire) would freeze a receiver for minutes on one 50 MiB file; at 1 KiB that file costs about
 * 0.15 s. Every release seals with 64 KiB by default.
 */
export const MIN_CHUNK_SIZE = 1024;

/** Defaults; docs/storage.md lists them. */
export const STORAGE_DEFAULTS = Object.freeze({
  /** The per-file limit: 50 MiB. */
  maxFileBytes: 50 * MiB,
  quotaBytes: 1024 * MiB,
  chunkSize: 64 * 1024,
  /** Plaintext per piece; rounded down to whole chunks. */
  pieceSize: 4 * MiB,
  /** The largest piece a receiver agrees to buffer. */
  maxPieceBytes: 64 * MiB,
  piecesInFlight: { full: 4, light: 3 },
  jobsInFlight: { full: 2, light: 1 },
  /** Streamed fetches reading at once, client-wide (each holds its pieces in flight). */
  streamsInFlight: { full: 4, light: 2 },
  /**
   * Piece buffers of every transfer together (uploads, downloads, streams), client-wide: what the
   * defaults need at most (224 MiB full, 88 MiB light, with 4 MiB pieces) fits, so they never wait.
   * A received reference may have pieces up to maxPieceBytes: such transfers take turns instead.
   */
  transferMemoryBytes: { full: 256 * MiB, light: 128 * MiB },
  /** Codex keeps a block 30 days after its last upload (DefaultBlockTtl). */
  ttlMs: 30 * DAY_MS,
  renewBeforeMs: 3 * DAY_MS,
  renewEveryMs: 6 * 60 * 60 * 1000,
  /** Ended jobs stay in the journal this long (retry, job(id)), then are forgotten. */
  keepEndedJobsMs: 30 * DAY_MS,
});

export interface StorageClientOptions {
  /** The protocol version this client speaks (2 = release 0.2.0, 3 = release 0.3.0): it writes and reads exactly as that release does. */
  protocol: number;
  /**
   * The release this client behaves as, when it is not the newest release of `protocol` in the
   * embedded release table (what the client is otherwise): one that keeps its predecessor's
   * protocol with another state level or other features, or a row of another table
   * (`releaseProfile(row, table)`). It sets the state level the client opens and migrates to and the
   * features it writes (expiry, the journal's piece offsets); the wire is `protocol`'s. Its
   * `protocol` must be `protocol` (a RangeError otherwise).
   */
  profile?: ProtocolProfile;
  /**
   * `full` (default): one backend, the client's own node (the embedded local store or a local
   * Codex node). `light` (mobile): no local node, one or more remote endpoints with failover.
   */
  mode?: "full" | "light";
  /** Full mode: the backend. */
  backend?: StorageBackend;
  /** Light mode (or full mode with fallbacks): endpoints with failover, the last one that worked first. */
  endpoints?: readonly StorageBackend[];
  /**
   * The order endpoints are tried in (after the one that last worked). `spread` (default): this
   * installation's own order, the same every session (a seed kept in the state database), so the
   * clients of a release do not all load the list's first endpoint; full mode's `backend` stays
   * first. `listed`: the order given.
   */
  endpointOrder?: EndpointOrder;
  /** An open state database (the caller closes it) ... */
  state?: StateHandle;
  /** ... or its path: the client opens it at its protocol's state level and closes it on stop. */
  statePath?: string;
  /** Where the client keeps cached downloads, spooled uploads and temp files. */
  dataDir: string;
  maxFileBytes?: number;
  /** Cached and spooled files together; default the `quota_bytes` setting, else 1 GiB. */
  quotaBytes?: number;
  chunkSize?: number;
  pieceSize?: number;
  maxPieceBytes?: number;
  /** Pieces of one job in flight at once: the memory bound (about 2 × pieceSize each; an upload also lets half as many more sealed pieces wait for the store). */
  piecesInFlight?: number;
  /** Jobs per direction running at once, besides one small job in a lane of its own (job-queue.ts). */
  jobsInFlight?: number;
  /** Streamed fetches (fetchStream) reading at once, client-wide; the others wait their turn. */
  streamsInFlight?: number;
  /**
   * Bytes of piece buffers all transfers may hold at once, client-wide (default 256 MiB, light
   * 128 MiB). A transfer takes what its pieces in flight need before it starts and waits its turn
   * while they do not fit; one that needs more than this runs alone.
   */
  transferMemoryBytes?: number;
  retry?: Partial<RetryPolicy>;
  ttlMs?: number;
  renewBeforeMs?: number;
  /** How often referenced uploads are checked for renewal; 0 turns the timer off (call renewDue()). */
  renewEveryMs?: number;
  /**
   * How long a job that ended (done, failed, cancelled) stays in the journal, for `job(id)`,
   * `jobs()` and `retry(id)`; then it is forgotten, at start and at each renewal check. A done
   * upload a message still refers to is kept regardless (see `release()`); once released, it is
   * counted from its pieces' last store (upload or renewal) too, when later. `Infinity` keeps all.
   */
  keepEndedJobsMs?: number;
  clock?: Clock;
  /**
   * What the deadlines of jobs, streamed fetches and renewals (`retry.deadlineMs`) run on: the
   * process's own timers by default. For tests and simulations, like `clock` and `random`.
   */
  timers?: TimerPort;
  random?: () => number;
  logger?: Logger;
  metrics?: Metrics;
}

/** The keys StorageClientOptions has (the compiler holds the two together); the constructor refuses any other. */
export const CLIENT_OPTIONS = keysOf<StorageClientOptions>()({
  protocol: true,
  profile: true,
  mode: true,
  backend: true,
  endpoints: true,
  endpointOrder: true,
  state: true,
  statePath: true,
  dataDir: true,
  maxFileBytes: true,
  quotaBytes: true,
  chunkSize: true,
  pieceSize: true,
  maxPieceBytes: true,
  piecesInFlight: true,
  jobsInFlight: true,
  streamsInFlight: true,
  transferMemoryBytes: true,
  retry: true,
  ttlMs: true,
  renewBeforeMs: true,
  renewEveryMs: true,
  keepEndedJobsMs: true,
  clock: true,
  timers: true,
  random: true,
  logger: true,
  metrics: true,
});
