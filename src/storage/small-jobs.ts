import type { DownloadJobRow } from "./journal/download-journal.js";
import type { UploadJobRow } from "./journal/upload-journal.js";
import { decodeReference } from "./reference-codec.js";

/*
 * Which jobs take the queue's lane for small jobs (job-queue.ts): those whose whole file fits one
 * piece of this client's (pieceSize, 4 MiB by default), a photo or a voice note. A received file
 * of one large piece (a peer may use pieces up to maxPieceBytes) is no small job.
 */

export function smallUpload(row: UploadJobRow | undefined, pieceSize: number): boolean {
  return row !== undefined && row.plaintext_size <= pieceSize;
}

/** Throws when the row's reference no longer decodes (the queue counts it large; its run fails it). */
export function smallDownload(row: DownloadJobRow | undefined, protocol: number, pieceSize: number): boolean {
  return row !== undefined && decodeReference(row.file_reference, protocol).view.plaintextSize <= pieceSize;
}
