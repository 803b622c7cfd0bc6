import type Database from "better-sqlite3";
import { illegalMove, sourcesOf, type JobKind, type JobState } from "./job-states.js";

const TABLE: Readonly<Record<JobKind, string>> = { upload: "upload_jobs", download: "download_jobs" };

/**
 * One journal transition: a single UPDATE guarded by the states the job may come from, so a
 * transition the state machine does not allow changes nothing and throws (E_JOB_UNKNOWN when the
 * row is missing, E_UNSUPPORTED when it is in another state). `set` adds columns written with it.
 */
export function moveJob(
  db: Database.Database,
  kind: JobKind,
  id: string,
  to: JobState,
  set: string,
  params: Record<string, unknown>,
  now: number,
  currentState: (id: string) => string | undefined,
): void {
  const from = sourcesOf(kind, to);
  const sql = `UPDATE ${TABLE[kind]} SET state = @to, updated_at = @now${set === "" ? "" : `, ${set}`} WHERE id = @id AND state IN (${from.map((s) => `'${s}'`).join(", ")})`;
  const changed = db.prepare(sql).run({ ...params, to, now, id }).changes;
  if (changed !== 1) throw illegalMove(kind, id, to, currentState(id));
}
