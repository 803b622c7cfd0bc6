import type { FileReference } from "../wire/index.js";
import type { ClientContext } from "./client-context.js";
import { runnable, type AnyJob, type ClientSession } from "./client-session.js";
import type { FetchResult } from "./download/run-download.js";
import { CANCELLED, errorFromJournal } from "./job-errors.js";
import type { DownloadJobRow } from "./journal/download-journal.js";
import type { UploadJobRow } from "./journal/upload-journal.js";
import { plainBytesOf, planOfReference, planPieces, type PiecePlan } from "./piece-plan.js";
import { decodeReference } from "./reference-codec.js";
import { TransferJob, type TransferProgress } from "./transfer-job.js";
import type { ShareResult } from "./upload/run-upload.js";

/** A job's handle from its upload row: the live one when this client runs it, else one settled as the row says. */
export function handleFromUploadRow(session: ClientSession, row: UploadJobRow): AnyJob {
  const live = session.handles.get(row.id);
  if (live !== undefined) return live;
  let progress: TransferProgress;
  try {
    const plan = planPieces(row.plaintext_size, row.chunk_size, row.piece_size);
    const stored = (session.ctx?.uploads.pieces(row.id) ?? []).map((p) => p.idx);
    progress = progressOf(stored.length, plan.pieces.length, plainBytesOf(plan, stored), row.plaintext_size);
  } catch {
    // Sizes this client cannot plan (a corrupt row, a newer release's): its run fails with the typed error; the handle shows nothing done.
    progress = progressOf(0, 0, 0, row.plaintext_size);
  }
  const job = new TransferJob<ShareResult>(row.id, "upload", row.state, progress, (id) => session.cancel(id));
  if (row.state === "done" && row.file_reference !== null) {
    // Read as this client reads (a row the next release finished has a protocol this build has no schema for).
    const { view } = decodeReference({ bytes: row.file_reference, writtenWith: row.protocol }, session.protocol);
    job.resolve({ jobId: row.id, reference: row.file_reference, view, protocol: row.protocol });
  } else if (row.state === "failed" || row.state === "cancelled") {
    job.reject(errorFromJournal(row.state, row.last_error));
  } else {
    session.handles.set(row.id, job);
  }
  return job;
}

/** A job's handle from its download row: the live one when this client runs it, else one settled as the row says. */
export function handleFromDownloadRow(session: ClientSession, row: DownloadJobRow): AnyJob {
  const live = session.handles.get(row.id);
  if (live !== undefined) return live;
  const job = new TransferJob<FetchResult>(row.id, "download", row.state, downloadProgressOf(session, row), (id) => session.cancel(id));
  if (row.state === "done") {
    const { view } = decodeReference(row.file_reference, session.protocol);
    job.resolve({ jobId: row.id, path: row.dest_path, size: view.plaintextSize, sha256: view.plaintextSha256, fromCache: false });
  } else if (row.state === "failed" || row.state === "cancelled") {
    job.reject(errorFromJournal(row.state, row.last_error));
  } else {
    session.handles.set(row.id, job);
  }
  return job;
}

/** What a download's journal says is done: every piece once it is done, else the pieces verified into its temp file. */
function downloadProgressOf(session: ClientSession, row: DownloadJobRow): TransferProgress {
  const ctx = session.ctx as ClientContext;
  let view: FileReference;
  let plan: PiecePlan;
  try {
    view = decodeReference(row.file_reference, session.protocol).view;
    plan = planOfReference(view, ctx.maxPieceBytes);
  } catch {
    // A reference this client cannot plan: its run fails with the typed error; the handle shows nothing done.
    return progressOf(0, 0, 0, 0);
  }
  const done = row.state === "done" ? plan.pieces.map((p) => p.index) : [...ctx.downloads.verifiedPieces(row.id)];
  return progressOf(done.length, plan.pieces.length, plainBytesOf(plan, done), view.plaintextSize);
}

/** The row as this session knows it: a run's end the journal refused to record is its state until the journal has one. */
export function asKnown<Row extends UploadJobRow | DownloadJobRow>(session: ClientSession, row: Row): Row {
  const ended = session.unrecorded.get(row.id);
  if (ended === undefined || !runnable(row.state)) return row;
  return ended === CANCELLED ? { ...row, state: "cancelled" } : { ...row, state: "failed", last_error: `${ended.code}: ${ended.message}` };
}

export function progressOf(piecesDone: number, piecesTotal: number, bytesDone: number, bytesTotal: number): TransferProgress {
  return { piecesDone, piecesTotal, bytesDone, bytesTotal };
}
