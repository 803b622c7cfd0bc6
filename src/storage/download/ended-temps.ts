import { unlink } from "node:fs/promises";
import type { Logger } from "../../obs/index.js";
import type { DownloadJournal } from "../journal/download-journal.js";
import { keepsPiecesForResume } from "./reopen-temp.js";

/**
 * Removes the temp files of downloads the journal says have ended badly (failed, cancelled). The
 * journal row is written before the temp file is removed, so a crash in between leaves the file
 * next to the destination, and no run ever opens it again. A starting client calls this before it
 * resumes anything; the temp files of queued and running jobs are theirs and stay, and so do those
 * of failed ones that keep their verified pieces for retry() (keepsPiecesForResume).
 */
export async function removeEndedDownloadTemps(downloads: DownloadJournal, log: Logger): Promise<void> {
  for (const row of downloads.inStates(["failed", "cancelled"])) {
    // Its verified pieces are kept for a resume (the start could not requeue it: a journal refusing writes).
    if (keepsPiecesForResume(row)) continue;
    const removed = await unlink(row.temp_path).then(
      () => true,
      () => false,
    );
    if (!removed) continue;
    try {
      // Its pieces were verified into that file: a retry must fetch them again (as cleanUp does after a failure).
      downloads.forgetPieces(row.id);
    } catch (error) {
      // A journal that refuses writes (full disk) must not stop the client from starting: a retry finds the file gone and starts over.
      log.warn({ job: row.id, code: (error as { code?: unknown } | null)?.code }, "could not forget the pieces of an ended download");
    }
  }
}
