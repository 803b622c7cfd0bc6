import { main } from "./main.js";
import { EXIT, EXIT_INTERRUPTED, EXIT_STDOUT_CLOSED } from "./exit-codes.js";

// A rejection nobody handles is a bug, and the command waiting on that work would never finish.
// Left to Node it would end the process with status 1, which this CLI documents as "a check
// failed"; report it as the internal error it is (70), with its stack, and stop.
process.on("unhandledRejection", (reason) => {
  process.stderr.write(`status-compat: internal error (a failure nothing handled): ${(reason as Error)?.stack ?? String(reason)}\n`);
  process.exit(EXIT.INTERNAL);
});

// The same for an exception nothing caught (a throw in a timer or an event listener, an 'error'
// event nobody listens to): Node's default printed it and exited 1, "a check failed", and a CI job
// read a broken pair or a breaking schema change where the tool had a bug.
process.on("uncaughtException", (error) => {
  process.stderr.write(`status-compat: internal error (an exception nothing caught): ${error?.stack ?? String(error)}\n`);
  process.exit(EXIT.INTERNAL);
});

/** What a disk answers when it refuses a write: full, over a quota or a file-size limit, read-only. */
const STDOUT_DISK_REFUSALS: ReadonlySet<string> = new Set(["ENOSPC", "EDQUOT", "EFBIG", "EROFS"]);

// The reader of stdout went away (`| head`, a consumer that died). Nobody can get the output any
// more; left to Node, the 'error' event nobody handles ends the process with a crash report and
// status 1, "a check failed". 141 is what a shell reports for a process ended by SIGPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") {
    process.stderr.write("status-compat: stdout was closed before the output was written (EPIPE)\n");
    process.exit(EXIT_STDOUT_CLOSED);
  }
  // stdout redirected to a file on a disk that refused it (`file put x > ref.json`, full): the disk
  // is why, not a bug (exit 70 with a stack said so); as the disk refusing anything else, exit 5.
  if (error.code !== undefined && STDOUT_DISK_REFUSALS.has(error.code)) {
    process.stderr.write(`status-compat: stdout could not be written (${error.code}): the disk refused it (full, a quota or a file-size limit); the output is lost. Free space and run the command again\n`);
    process.exit(EXIT.STORAGE);
  }
  process.stderr.write(`status-compat: internal error (writing stdout failed): ${error.stack ?? String(error)}\n`);
  process.exit(EXIT.INTERNAL);
});

// The reader of stderr went away (progress and logs only): what would have gone there is lost, the
// command's work and its result on stdout are not. Left to Node, the 'error' event would end the
// process with status 1 half-way through a transfer.
process.stderr.on("error", () => undefined);

/** Process entry: real stdio, exit status through process.exitCode so pending writes flush. */
let abandoned = false;
const status = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stderrIsTTY: process.stderr.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
  abandonedWork: () => (abandoned = true),
});
// A command stopped by Ctrl-C or SIGTERM has cleaned up; it now ends by that signal, as a shell
// expects: a shell loop (for f in *; do status-compat file put "$f"; done) stops only when its
// child died of SIGINT, and went on to the next file after a plain exit 130.
const bySignal = status === EXIT_INTERRUPTED.SIGINT ? "SIGINT" : status === EXIT_INTERRUPTED.SIGTERM ? "SIGTERM" : status === EXIT_INTERRUPTED.SIGHUP ? "SIGHUP" : undefined;
if (bySignal === undefined) {
  process.exitCode = status;
  // Work the command left running (a matrix check past its deadline) would keep the process alive:
  // it ends once what was written to stdout and stderr has gone out (a write's callback comes after
  // the writes before it), not when that work lets go, if ever.
  if (abandoned) process.stdout.write("", () => process.stderr.write("", () => process.exit(status)));
} else {
  process.removeAllListeners(bySignal);
  process.kill(process.pid, bySignal);
}
