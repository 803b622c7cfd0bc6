import { MAX_CHUNK_SIZE, TAG_BYTES } from "../crypto/index.js";
import { MIN_CHUNK_SIZE, STORAGE_DEFAULTS, type StorageClientOptions } from "./client-options.js";
import { describedValue } from "../errors/index.js";
import { MAX_TIMER_MS } from "./retry/index.js";
import type { Logger } from "../obs/index.js";

/** A client's numeric options with their defaults, each checked. */
export interface ClientSettings {
  readonly renewEveryMs: number;
  /** undefined: the `quota_bytes` setting, else the default (read once the state is open). */
  readonly quotaBytes: number | undefined;
  readonly ttlMs: number;
  readonly renewBeforeMs: number;
  readonly chunkSize: number;
  /** Plaintext per piece, rounded down to whole chunks (one chunk at least). */
  readonly pieceSize: number;
  readonly keepEndedJobsMs: number;
  readonly maxFileBytes: number;
  readonly maxPieceBytes: number;
  /** The ciphertext of the largest piece this client cuts (largestSealedPiece): at most maxPieceBytes. */
  readonly largestSealedPieceBytes: number;
  readonly piecesInFlight: number;
  readonly jobsInFlight: number;
  readonly streamsInFlight: number;
  readonly transferMemoryBytes: number;
}

/**
 * The options with their defaults, or a RangeError naming the first one out of range, before a
 * client takes its lock or opens its state. Taken as given, each of these failed later and
 * elsewhere, with an error blaming the file, the disk or the quota (see each check).
 */
export function resolveSettings(o: StorageClientOptions, mode: "full" | "light"): ClientSettings {
  const d = STORAGE_DEFAULTS;
  // Past a timer's range setInterval fires every millisecond: a busy loop, not a rare check.
  const renewEveryMs = check(o.renewEveryMs ?? d.renewEveryMs, "renewEveryMs", (v) => v >= 0 && v <= MAX_TIMER_MS, `0 (off) to ${MAX_TIMER_MS} ms`);
  // NaN or a negative quota refused every spooled share and cached download later, as E_QUOTA_EXCEEDED; Infinity is no limit.
  const quotaBytes = o.quotaBytes === undefined ? undefined : checkQuota(o.quotaBytes);
  // Added to the journal's times (STRICT integer columns): 1.5 ms failed every share at its end, E_LOCAL_IO.
  const ttlMs = check(o.ttlMs ?? d.ttlMs, "ttlMs", (v) => Number.isSafeInteger(v) && v > 0, "a whole positive number of milliseconds");
  // 0 up to the TTL: NaN turned renewal off without a word, a margin of a whole TTL renewed every piece on every run.
  const renewBeforeMs = check(o.renewBeforeMs ?? d.renewBeforeMs, "renewBeforeMs", (v) => v >= 0 && v < ttlMs, `0 or more and less than ttlMs (${String(ttlMs)} ms)`);
  // A timer as slow as the margin lets a piece that enters the margin just after one run expire before the next.
  // (A margin of 0 renews only what has expired, on purpose; a timer of 0 leaves renewal to the start and the application.)
  if (renewEveryMs > 0 && renewBeforeMs > 0) {
    check(renewEveryMs, "renewEveryMs", (v) => v < renewBeforeMs, `less than renewBeforeMs (${String(renewBeforeMs)} ms), or 0 (off)`);
  }
  const chunkSize = check(
    o.chunkSize ?? d.chunkSize,
    "chunkSize",
    (v) => Number.isSafeInteger(v) && v >= MIN_CHUNK_SIZE && v <= MAX_CHUNK_SIZE,
    `a whole number of bytes from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}`,
  );
  const pieceBytes = check(o.pieceSize ?? d.pieceSize, "pieceSize", (v) => Number.isFinite(v) && v > 0, "a positive number of bytes (rounded down to whole chunks)");
  const pieceSize = Math.max(1, Math.floor(pieceBytes / chunkSize)) * chunkSize;
  const maxFileBytes = positive(o.maxFileBytes ?? d.maxFileBytes, "maxFileBytes");
  const maxPieceBytes = positive(o.maxPieceBytes ?? d.maxPieceBytes, "maxPieceBytes");
  // Pieces this client would refuse to buffer are refused by every receiver with its limit (the
  // default is the same in every release): the shares succeeded and nobody could open them
  // (E_BAD_REFERENCE). A deployment whose receivers all raised maxPieceBytes raises this client's too.
  const sealed = largestSealedPiece(pieceSize, chunkSize, maxFileBytes);
  if (sealed > maxPieceBytes) {
    throw new RangeError(
      `storage client option pieceSize (${pieceSize} bytes, ${sealed} bytes a piece once sealed) must seal to at most maxPieceBytes (${maxPieceBytes} bytes): ` +
        "every receiver with that limit, the default one included, refuses larger pieces. Lower pieceSize, or raise maxPieceBytes here and on every receiver first",
    );
  }
  return {
    renewEveryMs,
    quotaBytes,
    ttlMs,
    renewBeforeMs,
    chunkSize,
    pieceSize,
    keepEndedJobsMs: check(o.keepEndedJobsMs ?? d.keepEndedJobsMs, "keepEndedJobsMs", (v) => v >= 0, "0 or more (Infinity keeps every job)"),
    maxFileBytes,
    maxPieceBytes,
    largestSealedPieceBytes: sealed,
    // How many at once: 1.5 pieces in flight made every transfer fail on a slot array of that length.
    piecesInFlight: count(o.piecesInFlight ?? d.piecesInFlight[mode], "piecesInFlight"),
    jobsInFlight: count(o.jobsInFlight ?? d.jobsInFlight[mode], "jobsInFlight"),
    streamsInFlight: count(o.streamsInFlight ?? d.streamsInFlight[mode], "streamsInFlight"),
    transferMemoryBytes: positive(o.transferMemoryBytes ?? d.transferMemoryBytes[mode], "transferMemoryBytes"),
  };
}

/** The ciphertext of the largest piece this client cuts: a whole pieceSize, or a whole file when files are smaller. */
function largestSealedPiece(pieceSize: number, chunkSize: number, maxFileBytes: number): number {
  const plain = Math.min(pieceSize, maxFileBytes);
  return plain + Math.ceil(plain / chunkSize) * TAG_BYTES;
}

/**
 * What a client with these settings shares that receivers on the defaults refuse: settings a
 * deployment may choose on purpose (all its receivers raised their limits), so a warning at start
 * rather than a refusal, naming the option.
 */
export function interopWarnings(s: ClientSettings): Array<{ option: string; message: string }> {
  const d = STORAGE_DEFAULTS;
  const warnings: Array<{ option: string; message: string }> = [];
  const sealed = s.largestSealedPieceBytes;
  if (sealed > d.maxPieceBytes) {
    warnings.push({
      option: "pieceSize",
      message: `pieces of up to ${sealed} bytes sealed are over the default maxPieceBytes (${d.maxPieceBytes}): receivers that did not raise it refuse this client's larger files (E_BAD_REFERENCE)`,
    });
  }
  if (s.maxFileBytes > d.maxFileBytes) {
    warnings.push({
      option: "maxFileBytes",
      message: `files over the default maxFileBytes (${d.maxFileBytes}) that this client shares are refused by receivers that did not raise it (E_FILE_TOO_LARGE)`,
    });
  }
  return warnings;
}

/** A quota as the option and setQuota() take it: a positive number of bytes, Infinity for no limit. */
export function checkQuota(value: number): number {
  return check(value, "quotaBytes", (v) => v > 0, "a positive number of bytes (Infinity: no limit)");
}

/**
 * A number (a string such as "1024" from a settings file passed the comparisons, and then added as
 * text) that `ok` accepts; else a RangeError naming the option and what was given (by its type when
 * it is no number: String() of a symbol threw).
 */
function check(value: number, name: string, ok: (v: number) => boolean, expected: string): number {
  if (typeof value !== "number" || !ok(value)) {
    throw new RangeError(`storage client option ${name} must be ${expected}, not ${describedValue(value)}`);
  }
  return value;
}

function positive(value: number, name: string): number {
  return check(value, name, (v) => Number.isFinite(v) && v > 0, "a positive number");
}

function count(value: number, name: string): number {
  return check(value, name, (v) => Number.isSafeInteger(v) && v > 0, "a whole number of 1 or more");
}

/**
 * The quota the `quota_bytes` settings row sets: a positive whole number of bytes, as the
 * `quotaBytes` option takes. Anything else is ignored for the default, with a warning naming the
 * row: "0" was a 0-byte quota that failed every spooled share and cached download with
 * E_QUOTA_EXCEEDED, while the option refuses 0; garbage was ignored without a word. Not a refusal
 * at start: the row is data in the user's state, which the app cannot always fix, and a client
 * that does not start shares no file at all.
 */
export function quotaFromSetting(value: string | undefined, log: Logger): number {
  if (value === undefined) return STORAGE_DEFAULTS.quotaBytes;
  if (/^\d+$/.test(value) && Number(value) > 0) return Number(value);
  log.warn(
    { setting: "quota_bytes", value: value.slice(0, 40), defaultBytes: STORAGE_DEFAULTS.quotaBytes },
    "the quota_bytes setting is not a positive whole number of bytes; the default quota is used",
  );
  return STORAGE_DEFAULTS.quotaBytes;
}
