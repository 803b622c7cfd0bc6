import { StorageError } from "../storage-error.js";

/** Upload job states, as the journal's CHECK constraint lists them. */
export type UploadState = "queued" | "uploading" | "done" | "failed" | "cancelled";
/** Download job states, as the journal's CHECK constraint lists them. */
export type DownloadState = "queued" | "downloading" | "done" | "failed" | "cancelled";
export type JobState = UploadState | DownloadState;
export type JobKind = "upload" | "download";

/**
 * The only moves a job may make (tus-js-client style). `uploading → uploading` is a resume after a
 * crash or stop: the journal says "uploading" but nobody is, so the next start picks it up again.
 * `failed → queued` is a retry the application asked for.
 */
const UPLOAD_MOVES: Readonly<Record<UploadState, readonly UploadState[]>> = {
  // queued → failed: refused before any piece moved (the source vanished, the quota is full).
  queued: ["uploading", "failed", "cancelled"],
  uploading: ["uploading", "done", "failed", "cancelled"],
  failed: ["queued", "cancelled"],
  done: [],
  cancelled: [],
};

const DOWNLOAD_MOVES: Readonly<Record<DownloadState, readonly DownloadState[]>> = {
  queued: ["downloading", "failed", "cancelled"],
  downloading: ["downloading", "done", "failed", "cancelled"],
  failed: ["queued", "cancelled"],
  done: [],
  cancelled: [],
};

/** States a target state may be reached from. */
export function sourcesOf(kind: JobKind, to: JobState): JobState[] {
  const moves = (kind === "upload" ? UPLOAD_MOVES : DOWNLOAD_MOVES) as Record<string, readonly string[]>;
  return Object.keys(moves).filter((from) => moves[from]?.includes(to)) as JobState[];
}

export function isTerminal(state: JobState): boolean {
  return state === "done" || state === "cancelled";
}

/** States a starting client resumes. */
export const RESUMABLE: Readonly<Record<JobKind, readonly JobState[]>> = {
  upload: ["queued", "uploading"],
  download: ["queued", "downloading"],
};

export function illegalMove(kind: JobKind, id: string, to: JobState, actual: string | undefined): StorageError {
  if (actual === undefined) return new StorageError("E_JOB_UNKNOWN", `the journal has no ${kind} job ${id}`, { details: { id, kind } });
  return new StorageError("E_UNSUPPORTED", `${kind} job ${id} is ${actual}; it cannot become ${to}`, { details: { id, kind, from: actual, to } });
}
