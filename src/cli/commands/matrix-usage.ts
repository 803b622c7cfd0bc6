import { DEFAULT_CELL_TIMEOUT_MS, MATRIX_COLUMN_PROVES } from "../../compat/matrix/matrix-constants.js";
import { MATRIX_COLUMNS } from "../../compat/matrix/matrix-types.js";

// The usage text of `matrix`, apart from the command (matrix.ts), so that `matrix --help` loads
// this and the constants it shows, not the matrix's checks and every layer they bring, which took
// 0.6-0.8 s of the help (bench/RESULTS.md, cli).

export const MATRIX_USAGE = `status-compat matrix [--format table|json|markdown|html] [--json] [--out FILE] [--only COLUMNS] [--verbose] [--cell-timeout SECONDS]

Runs every check over every adjacent pair of the release table (status-compat releases prints it), in
both directions (older writes / newer reads, and newer writes / older reads), on the embedded
defaults: no network, no Codex node needed. Columns:
${MATRIX_COLUMNS.map((column) => `  ${column.padEnd(10)} ${MATRIX_COLUMN_PROVES[column]}`).join("\n")}

The report goes to stdout, progress to stderr: on a terminal, one line redrawn in place; otherwise
(a CI log), one line per finished cell ("status-compat matrix: cell W → R COLUMN: pass (N ms)").

Options:
  --format F     table (default), json, markdown or html
  --json         same as --format json
  --out FILE     write the report to FILE instead of stdout, which gets the verdict line (with
                 --json, one JSON object: ok, verdict, counts, out); when FILE
                 cannot be written at the end, the report goes to stdout with a line saying why,
                 nothing is left at FILE (no part of a report, no earlier one) and the exit is 5
  --only LIST    comma-separated columns to run (e.g. wire,forward)
  --verbose      the table lists every cell's detail, not only failures
  --cell-timeout SECONDS
                 how long one cell may take (default ${DEFAULT_CELL_TIMEOUT_MS / 1000}); past it the cell fails, saying
                 so, and the matrix goes on: a cell that hangs does not hold the CI job (the
                 process ends once the report is written, even if its check never lets go)

Exit: 0 every cell passes, 1 a pair is broken, 2 usage or a tool missing (better-sqlite3's native part not
built, for the state, storage and bridge columns: npm rebuild better-sqlite3; buf, an optional dependency,
for the schema column; nothing is reported), 4 the disk refused a write in the work folder (full, over a
limit: nothing is known, nothing is reported) or the work folder cannot be made in TMPDIR, 5 every cell
passes but --out FILE could not be written (the report is on stdout), 130 interrupted by Ctrl-C (143 SIGTERM, 129 SIGHUP: the terminal went away; the work folder is removed first).`;
