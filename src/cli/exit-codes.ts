import { isCompatError, type ErrorLayer } from "../errors/index.js";

/** Exit statuses of `status-compat`; documented in the README. */
export const EXIT = {
  OK: 0,
  /** A check ran and found a problem: breaking schema change, broken pair, failed dry-run. */
  CHECK_FAILED: 1,
  /** Bad arguments, or a tool the command needs is missing. */
  USAGE: 2,
  /** Bad input data: malformed bytes, unknown version, integrity failure, bad release string. */
  BAD_INPUT: 3,
  /** The local state database refused: from the future, locked, dirty, corrupt, read-only. */
  STATE: 4,
  /** Storage backend failure: unreachable, timeout, quota, not found. */
  STORAGE: 5,
  /** A bug: an error that is not one of ours. */
  INTERNAL: 70,
} as const;

/** A command stopped by a signal after its cleanup (128 + the signal's number, as a shell reports it). */
export const EXIT_INTERRUPTED = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** stdout's reader went away before the output was written (128 + SIGPIPE, as a shell reports it). */
export const EXIT_STDOUT_CLOSED = 141;

const BY_LAYER: Record<ErrorLayer, number> = {
  versions: EXIT.BAD_INPUT,
  wire: EXIT.BAD_INPUT,
  negotiate: EXIT.BAD_INPUT,
  crypto: EXIT.BAD_INPUT,
  state: EXIT.STATE,
  storage: EXIT.STORAGE,
  compat: EXIT.CHECK_FAILED,
  // Bad bytes from the network (a forged signature, a bad segment): bad input; the transport codes below are failures.
  bridge: EXIT.BAD_INPUT,
  cli: EXIT.USAGE,
};

/**
 * Codes whose meaning is not their layer's default: a storage error about the caller's input
 * (a bad reference, a tampered file) is bad input, not a storage failure; a static check that
 * could not run at all is a usage/tool problem, not a broken pair.
 */
const BY_CODE: Readonly<Record<string, number>> = {
  E_BAD_REFERENCE: EXIT.BAD_INPUT,
  // The network or the store behind a pointer failed, not the input: like a storage failure.
  E_BRIDGE_CLOSED: EXIT.STORAGE,
  E_BRIDGE_PUBLISH_FAILED: EXIT.STORAGE,
  E_BRIDGE_CONNECT_FAILED: EXIT.STORAGE,
  E_BRIDGE_FETCH_FAILED: EXIT.STORAGE,
  // A CID is only ever the caller's (a piece of the reference given): a malformed one is bad input.
  E_BAD_CID: EXIT.BAD_INPUT,
  E_INTEGRITY: EXIT.BAD_INPUT,
  E_FILE_TOO_LARGE: EXIT.BAD_INPUT,
  E_FILE_EMPTY: EXIT.BAD_INPUT,
  E_SOURCE_MISSING: EXIT.BAD_INPUT,
  E_SOURCE_CHANGED: EXIT.BAD_INPUT,
  // Another client holds the data directory or state database: a state the user clears by stopping it, like E_STATE_LOCKED.
  E_BUSY: EXIT.STATE,
  // A bug caught inside a storage job: the same status as one nothing caught.
  E_INTERNAL: EXIT.INTERNAL,
  // The build's own migrations break their rules (found at load): a bug in the build, not a
  // database that refused (4), which sent users looking at a good file.
  E_STATE_INVALID_MIGRATION: EXIT.INTERNAL,
  E_SCHEMA_DIR_INVALID: EXIT.USAGE,
  E_SCHEMA_INVALID: EXIT.USAGE,
  E_TOOL_MISSING: EXIT.USAGE,
  // better-sqlite3's native part cannot load: a missing tool, as the CLI's own check says (E_TOOL_MISSING), not a state that refused.
  E_STATE_SQLITE_UNAVAILABLE: EXIT.USAGE,
  E_TOOL_FAILED: EXIT.USAGE,
  // The matrix could not make its work folder (TMPDIR missing, a file, full): the disk refused, as for a full work folder.
  E_WORK_DIR: EXIT.STATE,
};

export function exitCodeFor(error: unknown): number {
  if (!isCompatError(error)) return EXIT.INTERNAL;
  return BY_CODE[error.code] ?? BY_LAYER[error.layer];
}
