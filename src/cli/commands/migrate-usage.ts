// The usage text of `migrate`, apart from the command (migrate.ts), so that its --help loads this
// and not the state layer (SQLite, umzug) and its migrations, which the help never needs (bench/RESULTS.md, cli).

export const MIGRATE_USAGE = `status-compat migrate status --db FILE [--json] [--lock-timeout MS]
status-compat migrate up     --db FILE [--to NAME] [--dry-run [--dry-run-memory SIZE]] [--json] [--lock-timeout MS]
status-compat migrate down   --db FILE [--to NAME|0] [--discard-unfinished-jobs] [--discard-data] [--dry-run [--dry-run-memory SIZE]] [--json] [--lock-timeout MS]

status   the file's state level and compat level, applied migrations (with checksums), pending
         ones, and whether the runner would refuse it (dirty, edited, missing, out of order,
         from the future). Reads only. With --json, a file it cannot read at all (not a database,
         corrupt) is the same object with level and compatLevel null and the error (its code) as
         problem, exit 4.
up       applies this build's pending migrations, each with its log row in one transaction, under
         the migration lock. --to NAME stops after that migration. Creates FILE when missing
         (only once the run commits: stopped or refused, it leaves nothing).
down     reverts applied migrations (the rollback a newer release runs before an older one is
         reinstalled across a compat boundary). Without --to, reverts the last one; --to NAME
         reverts until NAME is the last applied; --to 0 reverts everything. A down to a level
         without the storage journal (level 1, or 0) refuses (exit 4, E_STATE_UNFINISHED_JOBS) while
         the journal holds unfinished uploads or downloads, or done uploads whose pieces messages
         still refer to: it names how many would be lost and how to proceed. A down that would drop
         other data (rows of file_references, cd_pointers, cache_entries, ...; values of columns
         the older level has no place for) refuses likewise (exit 4, E_STATE_DATA_LOSS), naming
         each table and column with its count. --dry-run names them too. A down that waited for the
         lock while another process applied migrations reverts nothing (exit 4, E_STATE_CHANGED).

Options:
  --db FILE          the state database
  --to NAME          a migration name, e.g. 0002_level2_dual_path
  --discard-unfinished-jobs
                     down: drop those jobs with the journal (they are lost for good)
  --discard-data     down: drop the other data the older level has no place for (lost for good)
  --dry-run          run the migrations and checks in the transaction, then roll it back:
                     prints what would be applied, reverted or discarded; writes nothing. Keeps
                     the pages it changes in memory: a file larger than half the memory
                     is refused before it starts (exit 4, E_STATE_TOO_LARGE; see upgrade --dry-run)
  --dry-run-memory SIZE
                     with --dry-run: the memory it may use in place of half the machine's (or
                     the container's), e.g. 3GiB (bytes, or KiB, MiB, GiB; 0 to 2^53 - 1 bytes)
  --json             one JSON document on stdout
  --lock-timeout MS  how long to wait for another process's migration, or one holding FILE
                     (status: a write that keeps readers out) (default 15000;
                     0 to 2147483647, about 24.8 days)

Exit: 0 ok, 2 usage, 3 bad input, 4 state refused (from the future, locked, dirty, corrupt, read-only, ...),
130 interrupted by Ctrl-C (143 SIGTERM, 129 SIGHUP): up and down roll back, FILE keeps its level
(a signal after the commit comes too late: the result is printed)`;
