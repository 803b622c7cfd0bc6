import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { CliIo, Command } from "../command.js";
import { parseCommandArgs } from "../args.js";
import { CliError } from "../usage-error.js";
import { pathOption } from "../path-option.js";
import { checkSideOutputPath } from "../writable-path.js";
import { writeWholeFile } from "../whole-file-write.js";
import { EXIT } from "../exit-codes.js";
import {
  DEFAULT_CELL_TIMEOUT_MS,
  diskRefusalOf,
  MATRIX_CHECKS,
  renderMatrixHtml,
  renderMatrixMarkdown,
  renderMatrixText,
  runMatrix,
  SchemaCheckError,
  verdictLine,
  type MatrixReport,
} from "../../compat/index.js";
import { commandLogger } from "../command-logger.js";
import { isCompatError } from "../../errors/index.js";
import { tempFolderOf } from "../temp-folder.js";
import { interruptedStatus, watchInterrupts } from "../interrupts.js";
import { MATRIX_USAGE } from "./matrix-usage.js";
import { requireSqliteModule } from "../sqlite-module.js";

const FORMATS = ["table", "json", "markdown", "html"] as const;
type Format = (typeof FORMATS)[number];

/** The columns whose checks open no state file or storage client (src/compat/matrix/checks). */
const WITHOUT_SQLITE: ReadonlySet<string> = new Set(["schema", "negotiate", "wire", "forward"]);

function render(report: MatrixReport, format: Format, verbose: boolean): string {
  switch (format) {
    case "json":
      // The table's last line too: for a run of some columns it says what was not checked, which `ok` alone does not.
      return JSON.stringify({ ...report, verdict: verdictLine(report) }, null, 2) + "\n";
    case "markdown":
      return renderMatrixMarkdown(report);
    case "html":
      return renderMatrixHtml(report);
    case "table":
      return renderMatrixText(report, { verbose });
  }
}

export const matrixCommand: Command = {
  path: ["matrix"],
  usage: MATRIX_USAGE,
  async run(args, io) {
    const { values } = parseCommandArgs("matrix", args, {
      format: { type: "string" },
      json: { type: "boolean" },
      out: { type: "string" },
      only: { type: "string" },
      verbose: { type: "boolean" },
      "cell-timeout": { type: "string" },
    });
    if (values.json === true && values.format !== undefined && values.format !== "json") {
      throw new CliError("E_USAGE", `matrix: --json is --format json; it cannot go with --format ${values.format}`);
    }
    const format = (values.json === true ? "json" : (values.format ?? "table")) as Format;
    // The value given is said: a CI template's (`--format ${{ inputs.format }}`) empty or mistyped one was not in the log.
    if (!FORMATS.includes(format)) throw new CliError("E_USAGE", `matrix: --format must be one of ${FORMATS.join(", ")}; it was ${JSON.stringify(format)}. Nothing was run.`);
    let checks = MATRIX_CHECKS;
    if (values.only !== undefined) {
      const wanted = values.only.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
      const unknown = wanted.filter((w) => !MATRIX_CHECKS.some((c) => c.column === w));
      if (unknown.length > 0 || wanted.length === 0) {
        throw new CliError("E_USAGE", `matrix: unknown column(s) ${unknown.join(", ") || "(none given)"}; have ${MATRIX_CHECKS.map((c) => c.column).join(", ")}`);
      }
      checks = MATRIX_CHECKS.filter((c) => wanted.includes(c.column));
    }
    let cellTimeoutMs = DEFAULT_CELL_TIMEOUT_MS;
    if (values["cell-timeout"] !== undefined) {
      const seconds = Number(values["cell-timeout"]);
      cellTimeoutMs = Math.round(seconds * 1000);
      // A positive value under a millisecond (which rounded to none) was refused as "not a positive number", which it is.
      const belowMs = Number.isFinite(seconds) && seconds > 0 && seconds * 1000 < 1;
      if (values["cell-timeout"].trim() === "" || !Number.isFinite(seconds) || belowMs || cellTimeoutMs <= 0 || !Number.isSafeInteger(cellTimeoutMs)) {
        const least = belowMs ? "a number of seconds of at least 0.001" : "a positive number of seconds";
        throw new CliError("E_USAGE", `matrix: --cell-timeout must be ${least} (e.g. 600); it was "${values["cell-timeout"]}"`);
      }
    }
    // Resolved, an empty value named the working folder: "--out <cwd> is a folder", a folder the user never gave.
    if (values.out === "") throw new CliError("E_USAGE", "matrix: --out needs a file (it was empty); leave it out for the report on stdout. Nothing was run.");
    const out = values.out === undefined ? undefined : pathOption("matrix", "out", values.out, io);
    // The path as typed too: a trailing slash names a folder, which resolving drops (the report was written as a file of that name).
    if (out !== undefined) checkSideOutputPath("matrix", "out", out, "Nothing was run.", values.out);
    // The columns that open no state file or storage client run without SQLite; a column added later is taken to need it.
    if (checks.some((c) => !WITHOUT_SQLITE.has(c.column))) {
      await requireSqliteModule("matrix", ` Or run only the columns that need no SQLite: --only ${[...WITHOUT_SQLITE].join(",")}.`);
    }
    const logger = commandLogger(io, "status-compat matrix");
    // The work folder (state databases, stores) is the command's, so that a second signal can
    // remove it before the process ends at once: the first stops the matrix after its current
    // cell, which may take seconds (a storage cell's release switch), and a CI job cancelled
    // sends SIGINT, then SIGTERM; dying then left the folder in the temp folder.
    let scratch: string | undefined;
    const temp = tempFolderOf(io.env);
    try {
      scratch = mkdtempSync(join(temp, "status-compat-matrix-"));
    } catch (error) {
      // A TMPDIR naming a missing folder or a file, or a full one: the setup's, not a bug (exit 70 with a stack said so).
      const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
      io.stderr.write(`status-compat matrix: cannot make the matrix's work folder in ${temp} (${code}): point TMPDIR at a folder that exists, is writable and has free space. Nothing was run.\n`);
      return EXIT.STATE;
    }
    // In one synchronous call: a check abandoned past its deadline (it ignores its signal) may still
    // write into the folder, and a removal in steps let it between them (ENOTEMPTY). A failure does
    // not cost the report of a finished run (it ended as an internal error, the report lost): a line says what to remove.
    const removeScratch = (): void => {
      if (scratch === undefined) return;
      try {
        rmSync(scratch, { recursive: true, force: true });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
        if (io.stderrIsTTY) io.stderr.write("\r\x1b[K");
        io.stderr.write(`status-compat matrix: could not remove its work folder ${scratch} (${code}; a check past its deadline may still write into it); remove it by hand\n`);
      }
    };
    // Ctrl-C or SIGTERM (a cancelled CI job) stops the matrix after its current cell, which then
    // removes its work folder; dying at once left it in the temp folder.
    const interrupts = watchInterrupts({
      workFolder: () => scratch,
      onRepeat: (again) => {
        if (io.stderrIsTTY) io.stderr.write("\r\x1b[K");
        io.stderr.write(`status-compat matrix: interrupted again (${again}); stopping at once: the work folder is removed; nothing was reported\n`);
      },
    });
    let report;
    try {
      report = await runMatrix({
        checks,
        logger,
        workDir: scratch,
        cellTimeoutMs,
        cellTimeoutName: "status-compat matrix --cell-timeout SECONDS",
        signal: interrupts.signal,
        onCell: ({ writer, reader, column, result, abandoned }) => {
          if (abandoned) io.abandonedWork?.();
          // On a terminal one line redrawn in place; elsewhere (a CI log) a plain line per cell: with
          // nothing there the log stayed silent for the minutes the matrix ran, and a hung cell looked like a hung job.
          if (io.stderrIsTTY) io.stderr.write(`\r\x1b[K${writer} → ${reader} ${column}: ${result.status}`);
          else io.stderr.write(`status-compat matrix: cell ${writer} → ${reader} ${column}: ${result.status} (${Math.round(result.ms)} ms)\n`);
        },
      });
    } catch (error) {
      const signal = interrupts.received();
      if (signal === undefined && error instanceof SchemaCheckError && (error.code === "E_TOOL_MISSING" || error.code === "E_TOOL_FAILED")) {
        const others = checks.filter((c) => c.column !== "schema").map((c) => c.column);
        const without = others.length > 0 ? `, or leave the schema column out (--only ${others.join(",")})` : "";
        throw new SchemaCheckError(error.code, `the schema column could not run, so nothing is known about the pairs: ${error.message}${without}. Nothing was reported.`, {
          cause: error,
          details: error.details,
        });
      }
      const refused = diskRefusalOf(error);
      if (signal === undefined && refused !== undefined) {
        if (io.stderrIsTTY) io.stderr.write("\r\x1b[K");
        const code = isCompatError(error) ? error.code : "";
        io.stderr.write(
          `status-compat matrix: the matrix could not finish: the disk refused a write in its work folder (${code}: ${(error as Error).message}); nothing is known about the pairs. Free space in the temp folder (or point TMPDIR at a larger one) and run it again. Nothing was reported.\n`,
        );
        return EXIT.STATE;
      }
      if (signal === undefined) throw error;
      if (io.stderrIsTTY) io.stderr.write("\r\x1b[K");
      io.stderr.write(`status-compat matrix: interrupted (${signal}); nothing was reported\n`);
      return interruptedStatus(signal);
    } finally {
      // Removed while the signals are still watched: a big folder takes seconds, and a signal then
      // (a CI job cancelled as the matrix ended) had Node's default effect, ending the process
      // half-way through and leaving the rest in the temp folder. A signal during the removal is
      // held by the OS until it returns, then handled: a first one is reported below, a second
      // ends the process at once. Two turns of the event loop let it be handled before the
      // handlers go (one may begin after this turn's look at pending events); stopping to watch
      // first would drop it.
      removeScratch();
      await new Promise((next) => setImmediate(next));
      await new Promise((next) => setImmediate(next));
      interrupts.dispose();
    }
    const late = interrupts.received();
    if (late !== undefined) {
      if (io.stderrIsTTY) io.stderr.write("\r\x1b[K");
      io.stderr.write(`status-compat matrix: interrupted (${late}); nothing was reported\n`);
      return interruptedStatus(late);
    }
    if (io.stderrIsTTY) io.stderr.write("\r\x1b[K");
    const text = render(report, format, values.verbose === true);
    const written = out === undefined || writeReport(out, text, io);
    if (out !== undefined && written) {
      io.stderr.write(`matrix: report written to ${values.out}\n`);
      // --json promises one JSON document on stdout: a text line there broke a CI step that parsed it.
      const verdict = verdictLine(report);
      io.stdout.write(format === "json" ? JSON.stringify({ ok: report.ok, verdict, counts: report.counts, out }) + "\n" : verdict + "\n");
    } else {
      io.stdout.write(text);
    }
    if (!report.ok) return EXIT.CHECK_FAILED;
    // An --out not written exited 0, and a CI job archiving the file lost the report without failing:
    // the local disk refused (as for stdout on a full disk). A broken pair's 1 says more and stays.
    return written ? EXIT.OK : EXIT.STORAGE;
  },
};

/**
 * Writes the report to --out; false when that fails at the end (the folder removed during the
 * run, a full disk): the report then goes to stdout, as without --out, after a line saying why,
 * and the run exits 5 (1 when a pair is broken).
 * Thrown, it ended a whole matrix run as an internal error (exit 70) with the report lost.
 * Written whole or not at all (writeWholeFile), so a refused write leaves no part of a report at
 * --out (a CI job archived the truncated file as the report), nor an earlier run's report.
 */
function writeReport(out: string, text: string, io: CliIo): boolean {
  try {
    writeWholeFile(out, text);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    io.stderr.write(`status-compat matrix: could not write --out ${out} (${code}); the report follows on stdout\n`);
    return false;
  }
}
