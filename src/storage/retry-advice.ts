/**
 * The words of library messages that tell an application to call retry() on a failed download,
 * named once so a front end whose user has no retry() (the CLI: run the same command again) can put
 * its own in their place (RESUME_KEPT_PIECES, journal/pending-jobs.ts, is the third such phrase).
 * The journal's last_error keeps the library's words; nothing parses them but such a front end.
 */

/** A download that cannot use its temp file's path (a folder in its place): once it is moved away. */
export const RETRY_STARTS_OVER = "retry() (the download starts over)";

/** A download whose temp file, or its folder, was removed while it ran: its pieces went with it. */
export const RETRY_FETCHES_AGAIN = "retry() makes the folder again and fetches the file again";
