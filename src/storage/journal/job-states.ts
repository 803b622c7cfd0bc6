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
  const advice = adviceFor(kind, to, actual);
  return new StorageError("E_UNSUPPORTED", `${kind} job ${id} is ${actual}; it cannot become ${to}${advice === undefined ? "" : `: ${advice}`}`, { details: { id, kind, from: actual, to } });
}

/**
 * What the application's retry() (to queued) or cancel() (to cancelled) of a job in the wrong
 * state should do instead: "it cannot become queued" named the journal's move, not the call, and
 * left the developer to read the state machine. Other moves are the client's own: no advice.
 */
function adviceFor(kind: JobKind, to: JobState, actual: string): string | undefined {
  const again = kind === "upload" ? "share the file again" : "fetch the reference again";
  if (to === "queued") {
    if (actual === "done") return "only a failed job can be retried, and this one ended well: its result is job(id).done";
    if (actual === "cancelled") return `only a failed job can be retried, and a cancelled one ended for good: ${again}`;
    return "only a failed job can be retried, and this one has not ended: wait for job(id).done";
  }
  if (to === "cancelled") {
    if (actual === "done") return kind === "upload" ? "it has ended; to stop renewing the shared file, release(reference)" : "it has ended; the file it fetched is the application's";
    if (actual === "cancelled") return "it was cancelled already";
  }
  return undefined;
}
