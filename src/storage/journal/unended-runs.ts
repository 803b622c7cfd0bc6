import type Database from "better-sqlite3";
import { LEVEL1_SQL } from "../../state/index.js";
import { StorageError } from "../storage-error.js";
import type { JobKind } from "./job-states.js";
import { keyStartsWith } from "./settings-key-range.js";

/**
 * How many runs of one job in a row may start, each ending with the process's death (no stop(),
 * no failure, no cancel) before the journal recorded one more piece of it, before the next start
 * fails the job with E_CRASH_LOOP instead of resuming it a sixth time.
 *
 * Why 5. A job that kills the process (an out-of-memory on one file on a phone, a native crash,
 * the system ending the app for its background CPU) kills every start of the app, which resumes it
 * first thing: the user can only wipe the app's data, so the count must be small. But the common
 * case looks the same from the journal: a phone's system ends the app without notice, and on a slow
 * link a session may end before one piece is through (light mode sends 3 pieces of 4 MiB at once,
 * so the first is journaled after about 12 MiB: 100 s at 1 Mbit/s). That case is counted only when
 * five processes in a row each die that soon after starting the job, never once storing or
 * fetching a piece, and never once stopped; any piece recorded starts the count over, and so does
 * a run that ends in the process (stop(), a failure, done). Three would fail such a user after an
 * unlucky evening; five takes five crashes to escape a real loop, still short of what makes a user
 * give up and wipe the app. A wrongly failed job loses no data: retry() starts it again (an upload
 * from the pieces it stored; a download, its temp file gone with the failure, fetches again).
 */
export const MAX_UNENDED_RUNS = 5;

const PREFIX = "job-unended-runs:";
const keyOf = (id: string): string => PREFIX + id;

/**
 * The runs of a job that started and did not end, counted in the `settings` table (no schema
 * change; `job-unended-runs:<id>` = "<runs> <pieces> <last piece time>", the journal's pieces of
 * the job when the last of those runs started). A run that ends in the process forgets it.
 */
export class UnendedRuns {
  private readonly getSetting: Database.Statement;
  private readonly putSetting: Database.Statement;
  private readonly deleteSetting: Database.Statement;
  private readonly progress: Readonly<Record<JobKind, Database.Statement>>;

  constructor(private readonly db: Database.Database) {
    this.getSetting = db.prepare(LEVEL1_SQL.getSetting).pluck();
    this.putSetting = db.prepare(LEVEL1_SQL.upsertSetting);
    this.deleteSetting = db.prepare(`DELETE FROM settings WHERE key = ?`);
    // Progress is a piece journaled: one more, or one stored again (a due piece of a late resume).
    this.progress = {
      upload: db.prepare(`SELECT count(*) || ' ' || coalesce(max(uploaded_at), 0) FROM upload_pieces WHERE job_id = ?`).pluck(),
      download: db.prepare(`SELECT count(*) || ' ' || coalesce(max(verified_at), 0) FROM download_pieces WHERE job_id = ?`).pluck(),
    };
  }

  /**
   * A run of the job starts: counted, and `start` (the journal's move to uploading/downloading)
   * written with it. When MAX_UNENDED_RUNS runs before it started without progress and never
   * ended, nothing is written and this throws E_CRASH_LOOP: the run fails the job instead.
   */
  begin(kind: JobKind, id: string, start: () => void): void {
    this.db.transaction(() => {
      const pieces = this.progress[kind].get(id) as string;
      const [runs, since] = parse(this.getSetting.get(keyOf(id)) as string | undefined);
      const streak = since === pieces ? runs : 0;
      if (streak >= MAX_UNENDED_RUNS) throw crashLoop(kind, id, streak);
      this.putSetting.run({ key: keyOf(id), value: `${streak + 1} ${pieces}` });
      start();
    })();
  }

  /** Forgets the counts of jobs no longer unfinished (an earlier release ended them, or they were forgotten). */
  dropEnded(): void {
    this.db
      .prepare(
        `DELETE FROM settings WHERE ${keyStartsWith(PREFIX)} AND substr(key, ${PREFIX.length + 1}) NOT IN (
           SELECT id FROM upload_jobs WHERE state IN ('queued', 'uploading') UNION ALL SELECT id FROM download_jobs WHERE state IN ('queued', 'downloading'))`,
      )
      .run();
  }

  /** The run ended in this process (done, failed, cancelled, stopped): its next start is not a crash's. */
  ended(id: string): void {
    this.deleteSetting.run(keyOf(id));
  }
}

/** "<runs> <pieces> <time>" → [runs, "<pieces> <time>"]; anything else (absent, damaged) is no streak. */
function parse(value: string | undefined): [number, string | undefined] {
  const match = /^(\d+) (\d+ \d+)$/.exec(value ?? "");
  return match === null ? [0, undefined] : [Number(match[1]), match[2]];
}

function crashLoop(kind: JobKind, id: string, runs: number): StorageError {
  const piece = kind === "upload" ? "stored" : "fetched";
  return new StorageError(
    "E_CRASH_LOOP",
    `${kind} ${id} was not resumed: its last ${runs} runs each ended with the app (a crash, or the system ending it) before one more piece was ${piece}, so it was failed rather than let it end the app again; retry() starts it again`,
    { details: { id, kind, runs } },
  );
}
