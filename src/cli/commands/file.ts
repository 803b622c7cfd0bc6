import { accessSync, constants, existsSync, statSync, type Stats } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { CliIo, Command } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { parseCommandArgs } from "../args.js";
import { CliError } from "../usage-error.js";
import { checkDownloadPath, checkNotSameFile, checkSideOutputPath } from "../writable-path.js";
import { writeWholeFile } from "../whole-file-write.js";
import { decodePastedReference } from "../pasted-reference.js";
import { writeTarget } from "../link-target.js";
import { commandLogger } from "../command-logger.js";
import { requireSqliteModule } from "../sqlite-module.js";
import { homeTilde, pathOption, userHome } from "../path-option.js";
import { StateError } from "../../state/index.js";
import { CURRENT_PROTOCOL, profileFor, releaseTable } from "../../versions/index.js";
import {
  CODEX_API_PREFIX,
  LOGOS_STORAGE_API_PREFIX,
  createCodexBackend,
  createLocalBackend,
  makeDirectoryDurably,
  RESUME_KEPT_PIECES,
  RETRY_FETCHES_AGAIN,
  RETRY_STARTS_OVER,
  StorageClient,
  StorageError,
  type FetchResult,
  type ShareResult,
  type StorageBackend,
  type TransferJob,
  type TransferProgress,
} from "../../storage/index.js";
import { lockHome, type HomeLock } from "./file-home-lock.js";
import { checkOutsideHome, checkShareOutsideHome, homeLayout } from "./file-home-files.js";
import { notFoundInCommandWords } from "./file-not-found.js";
import { CommandInterrupted, doneOrInterrupted, hangupAdvice, interruptedStatus, signalText, watchInterrupts, type Interrupts } from "../interrupts.js";
import { FILE_GET_USAGE, FILE_PUT_USAGE, HOME_ENV } from "./file-usage.js";
import { pendingDownloadsTo, uploadsToGoOnWith, type JournalLocation, type PendingDownload, type PendingUpload } from "./file-pending-jobs.js";

/**
 * `--home`, else $STATUS_COMPAT_HOME, else $XDG_DATA_HOME/status-compat, else $HOME/.local/share/status-compat,
 * each read from `env`: the env `main()` was given, which an embedder or a test sets apart from the process's.
 * $STATUS_COMPAT_HOME is often set where no shell expands `~` (systemd `Environment=`, a quoted
 * `export`, docker `-e`): a leading `~` or `~/` is the home, as in --home (it made a folder named
 * `~` in the working folder), `~user/` a usage error naming the variable. A relative one stays
 * relative, to the command's working folder as --home's is. A relative $XDG_DATA_HOME, `~/x`
 * included, is invalid by the XDG Base Directory spec and ignored, as other programs ignore it;
 * openSession says so (ignoredXdgDataHome).
 */
export function defaultHome(command: string, env: NodeJS.ProcessEnv): string {
  const explicit = env[HOME_ENV];
  if (explicit !== undefined && explicit !== "") {
    // A control character is no folder anyone means: an env file saved with Windows line ends
    // (docker --env-file, systemd EnvironmentFile=) gives "/data\r", and a home "data\r" was made.
    const control = /[\u0000-\u001f\u007f]/.exec(explicit);
    if (control !== null) {
      const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
      const hint = control[0] === "\r" ? " (a carriage return: a file of variables saved with Windows line ends?)" : "";
      throw new CliError("E_USAGE", `${command}: $${HOME_ENV} ${JSON.stringify(explicit)} holds a control character, ${code}${hint}; set it to the folder alone, or give --home DIR`);
    }
    return homeTilde(command, `$${HOME_ENV}`, `set $${HOME_ENV} without "~" (the home folder in full), or give --home DIR`, explicit, env);
  }
  const xdg = env["XDG_DATA_HOME"];
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(userHome(env, `give --home DIR or set $${HOME_ENV}`), ".local", "share"), "status-compat");
}

/**
 * $XDG_DATA_HOME when defaultHome ignored it for being relative (`data`, `~/x`), undefined when it
 * was not consulted (--home or $STATUS_COMPAT_HOME given), unset, empty or absolute. Ignored without
 * a word, the user who set it found the home under ~/.local/share and their files "missing".
 */
function ignoredXdgDataHome(values: CommonValues, env: NodeJS.ProcessEnv): string | undefined {
  if (values.home !== undefined || (env[HOME_ENV] ?? "") !== "") return undefined;
  const xdg = env["XDG_DATA_HOME"];
  return xdg === undefined || xdg === "" || isAbsolute(xdg) ? undefined : xdg;
}

const COMMON_OPTIONS = {
  backend: { type: "string" },
  "codex-url": { type: "string" },
  "api-prefix": { type: "string" },
  protocol: { type: "string" },
  home: { type: "string" },
  attempts: { type: "string" },
  metrics: { type: "string" },
} as const;



type CommonValues = {
  backend?: string;
  "codex-url"?: string;
  "api-prefix"?: string;
  protocol?: string;
  home?: string;
  attempts?: string;
  metrics?: string;
};

/** A person at a terminal: fewer attempts than the background default, so a dead node fails in seconds. */
const CLI_ATTEMPTS = 5;

interface Session<P> {
  client: StorageClient;
  backend: StorageBackend;
  /** The home folder, absolute. */
  home: string;
  /** What `beforeStart` read from the journal before the client resumed anything. */
  pending: P;
  close(): Promise<void>;
}

function wholeNumber(command: string, flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new CliError("E_USAGE", `${command}: --${flag} must be a whole number of at least 1, not "${value}"`);
  return Number(value);
}

/**
 * A --codex-url that ends in an API path (the server URL of a node's openapi.yaml, say) is the
 * node's URL plus that prefix; given whole it got the default prefix appended a second time.
 */
function splitApiPath(codexUrl: string, apiPrefix: string | undefined): { url: string; apiPrefix: string | undefined } {
  let url: URL;
  try {
    url = new URL(codexUrl);
  } catch {
    return { url: codexUrl, apiPrefix }; // the backend says what is wrong with it
  }
  const path = url.pathname.replace(/\/+$/, "");
  const known = [CODEX_API_PREFIX, LOGOS_STORAGE_API_PREFIX].find((prefix) => path.endsWith(prefix));
  if (known === undefined || (apiPrefix !== undefined && apiPrefix.replace(/\/+$/, "") !== known)) return { url: codexUrl, apiPrefix };
  url.pathname = path.slice(0, path.length - known.length);
  return { url: url.toString(), apiPrefix: known };
}

/** `--protocol`: a release's protocol that has file references (2 and up). */
function protocolOption(command: string, value: string | undefined): number {
  const protocol = wholeNumber(command, "protocol", value, CURRENT_PROTOCOL);
  const withFiles = releaseTable.rows.filter((row) => profileFor(row.protocol).writes("file-reference")).map((row) => row.protocol);
  if (!withFiles.includes(protocol)) {
    throw new CliError("E_USAGE", `${command}: --protocol ${protocol} has no file references; use one of ${withFiles.join(", ")} (see status-compat releases)`);
  }
  return protocol;
}

/** The home folder, absolute: --home, else defaultHome. */
function commandHome(command: string, values: CommonValues, io: CliIo): string {
  // An empty --home (an unset shell variable) resolved to the current directory and filled it.
  if (values.home === "") throw new CliError("E_USAGE", `${command}: --home needs a folder (it was empty); leave it out for the default home`);
  return values.home === undefined ? resolve(io.cwd, defaultHome(command, io.env)) : pathOption(command, "home", values.home, io);
}

/**
 * A started client on the home directory. `beforeStart` reads the journal after the options are
 * checked and before the client starts, since a starting client resumes every unfinished job at once.
 * A signal before the client has started (waiting for the home lock, migrating the state, starting)
 * throws CommandInterrupted once everything opened so far is closed again.
 */
async function openSession<P>(
  command: string,
  values: CommonValues,
  io: CliIo,
  interrupts: Interrupts,
  beforeStart: (journal: JournalLocation) => Promise<P>,
  out?: { path: string; given: string },
): Promise<Session<P>> {
  const metricsPath = values.metrics === undefined || values.metrics === "" ? undefined : pathOption(command, "metrics", values.metrics, io);
  if (metricsPath !== undefined) checkSideOutputPath(command, "metrics", metricsPath, "Nothing was started.", values.metrics);
  // Every option is checked before the home is touched: a mistyped flag leaves nothing behind.
  const protocol = protocolOption(command, values.protocol);
  const maxAttempts = wholeNumber(command, "attempts", values.attempts, CLI_ATTEMPTS);
  // An empty --codex-url (an unset shell variable) read as none sent the file to the local store without a word.
  if (values["codex-url"] === "") throw new CliError("E_USAGE", `${command}: --codex-url needs a URL (it was empty); leave it out for the local store`);
  const codexUrl = values["codex-url"];
  // --codex-url alone says which store is meant; the local store would take the file without a word.
  const kind = values.backend ?? (codexUrl === undefined ? "local" : "codex");
  if (kind !== "local" && kind !== "codex") throw new CliError("E_USAGE", `${command}: --backend must be local or codex, not "${kind}"`);
  if (kind === "local" && (codexUrl !== undefined || values["api-prefix"] !== undefined)) {
    throw new CliError("E_USAGE", `${command}: --codex-url and --api-prefix are for --backend codex; the local store takes neither`);
  }
  if (kind === "codex" && codexUrl === undefined) throw new CliError("E_USAGE", `${command}: --backend codex needs --codex-url (see --help)`);
  const home = commandHome(command, values, io);
  const nothingDone = command === "file get" ? "Nothing was downloaded." : "Nothing was started.";
  if (out !== undefined) checkOutsideHome(command, "out", out.path, out.given, home, false, nothingDone);
  // --metrics is written through a link at its path (writeWholeFile), --out replaces one.
  if (metricsPath !== undefined) checkOutsideHome(command, "metrics", metricsPath, values.metrics as string, home, true, nothingDone);
  // Before the home is touched: the lock, the state and the journal are SQLite files.
  await requireSqliteModule(command);
  const layout = homeLayout(home);
  const log = commandLogger(io, "status-compat file");
  // Here, once a run: put also reads the home earlier, for its own check.
  const ignoredXdg = ignoredXdgDataHome(values, io.env);
  if (ignoredXdg !== undefined) {
    log.warn(
      `${command}: $XDG_DATA_HOME ${JSON.stringify(ignoredXdg)} is not an absolute path, which the XDG Base Directory spec says to ignore; the home is ${home} (give --home DIR or $${HOME_ENV} for another, or set $XDG_DATA_HOME to an absolute path)`,
    );
  }
  let backend: StorageBackend;
  if (kind === "local") {
    backend = createLocalBackend({ dir: layout.store, logger: log });
  } else {
    try {
      const { url, apiPrefix } = splitApiPath(codexUrl as string, values["api-prefix"]);
      backend = createCodexBackend({ url, logger: log, ...(apiPrefix === undefined ? {} : { apiPrefix }) });
    } catch (error) {
      // A URL or prefix that cannot be used is the user's flag, not a failing node; named as typed
      // (a CI job's comes from a variable), but for a URL holding a user name or password.
      if (error instanceof StorageError && error.code === "E_BACKEND_REJECTED") {
        const [flag, value] = error.details["option"] === "apiPrefix" ? ["--api-prefix", values["api-prefix"]] : ["--codex-url", codexUrl];
        const shown = value === undefined ? "" : value.includes("@") ? " (holding a user name or password, not shown)" : ` ${JSON.stringify(value)}`;
        throw new CliError("E_USAGE", `${command}: ${flag}${shown}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
  try {
    await makeDirectoryDurably(home);
  } catch (error) {
    await backend.close();
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    const why =
      code === "EEXIST" || code === "ENOTDIR"
        ? "a file is in the way"
        : code === "ENOENT"
          ? `ENOENT: no folder can be made at ${(error as NodeJS.ErrnoException).path ?? home}`
          : code;
    throw new CliError("E_USAGE", `${command}: cannot create the home directory ${home} (${why}); give --home (or $${HOME_ENV}) a folder you can write`, { cause: error });
  }
  const statePath = layout.state;
  let lock: HomeLock | undefined;
  let started: StorageClient | undefined;
  try {
    const client = new StorageClient({
      protocol,
      retry: { maxAttempts },
      backend,
      statePath,
      dataDir: layout.data,
      renewEveryMs: 0,
      logger: log,
    });
    // Before the journal is read: the client resumes every unfinished job, another command's live ones too.
    lock = await lockHome(command, home, io, interrupts.signal);
    const pending = await beforeStart({ path: statePath, protocol: client.protocol, logger: log, signal: interrupts.signal });
    await client.start();
    started = client;
    // start() cannot be stopped half-way; a signal that came meanwhile is honoured now.
    const signal = interrupts.received();
    if (signal !== undefined) throw new CommandInterrupted(signal);
    const held = lock;
    return {
      client,
      backend,
      home,
      pending,
      async close() {
        try {
          // Written whether the command succeeded or not: failed attempts and retries are what an operator looks for.
          if (metricsPath !== undefined) writeMetrics(command, metricsPath, await client.metrics.text(), io);
        } finally {
          // Also when the metrics cannot be written: a client left running keeps the process alive.
          try {
            await client.stop();
            await backend.close();
          } finally {
            held.release();
          }
        }
      },
    };
  } catch (error) {
    try {
      await started?.stop();
      await backend.close();
    } finally {
      lock?.release();
    }
    // The migration stopped by the signal (rolled back: the file keeps its level) is the interruption itself.
    const signal = interrupts.received();
    if (signal !== undefined && error instanceof StateError && error.code === "E_STATE_ABORTED") throw new CommandInterrupted(signal);
    throw error;
  }
}

/**
 * The metrics are a side output: checked before the command starts, a write that still fails at
 * the end (the folder removed meanwhile, a full disk) is said on stderr and changes neither the
 * result nor the status. Thrown, it turned a put whose reference was printed into exit 70.
 * Written whole or not at all (writeWholeFile): a write the disk refused part-way left its part at
 * `path`, which a CI scraper read as this run's metrics, truncated.
 */
function writeMetrics(command: string, path: string, text: string, io: CliIo): void {
  try {
    writeWholeFile(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    io.stderr.write(`status-compat ${command}: could not write --metrics ${path} (${code}); the metrics of this run are lost, the transfer is not affected\n`);
  }
}

/**
 * Runs a file command's `body` watching for Ctrl-C and SIGTERM from its first step. A signal
 * before the transfer began (waiting for the home lock, migrating the state, starting the client)
 * ends it with one line and the signal's status, as one during the transfer does, instead of
 * Node's silent death; `body` has closed what it opened by then.
 */
async function interruptible(command: string, before: string, io: CliIo, body: (interrupts: Interrupts) => Promise<number>): Promise<number> {
  const interrupts = watchInterrupts();
  try {
    return await body(interrupts);
  } catch (error) {
    if (!(error instanceof CommandInterrupted)) throw error;
    io.stderr.write(`status-compat ${command}: interrupted (${signalText(error.signal)}) before ${before}; run the same command again to start it${hangupAdvice(error.signal, command)}\n`);
    return interruptedStatus(error.signal);
  } finally {
    interrupts.dispose();
  }
}

/** A one-line bar on stderr, redrawn in place; only on a terminal. */
function progressBar<R>(io: CliIo, label: string, job: TransferJob<R>): () => void {
  if (!io.stderrIsTTY) return () => undefined;
  const draw = (p: TransferProgress): void => {
    const fraction = p.bytesTotal === 0 ? 1 : p.bytesDone / p.bytesTotal;
    const width = 30;
    const filled = Math.round(fraction * width);
    io.stderr.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${p.piecesDone}/${p.piecesTotal} pieces`);
  };
  job.on("progress", draw);
  return () => {
    job.off("progress", draw);
    io.stderr.write("\n");
  };
}

/** Cancels a job the journal listed as unfinished, unless it has settled since (a finished job cannot be cancelled). */
function cancelIfUnfinished(client: StorageClient, id: string): TransferJob<unknown> {
  const job = client.job(id) as TransferJob<unknown>;
  if (job.state === "queued" || job.state === "uploading" || job.state === "downloading") client.cancel(id);
  return job;
}

/** The first pending job `matches` accepts, to resume; every other one is cancelled (`cancelled`: their settling). */
function resumeOne<J extends { readonly id: string }>(
  client: StorageClient,
  pending: readonly J[],
  matches: (job: J) => boolean,
): { resumed: string | undefined; cancelled: Promise<unknown>[] } {
  let resumed: string | undefined;
  const cancelled: Promise<unknown>[] = [];
  for (const job of pending) {
    if (resumed === undefined && matches(job)) resumed = job.id;
    else cancelled.push(cancelIfUnfinished(client, job.id).done);
  }
  return { resumed, cancelled };
}

/**
 * The upload that gives the user the reference they asked for. An interrupted put of the same
 * file resumes (pieces already stored are not sent again) only when it writes the reference of the
 * protocol asked for now; everything else that shapes the reference (key, piece and chunk size,
 * name, MIME type) comes from the file and the defaults, which the interrupted put and this one share.
 * A pending put of the file under another protocol is cancelled: the user's latest command says
 * which reference they want, and left pending it would resume in the background at every later
 * start and never be printed.
 */
function uploadJob(
  client: StorageClient,
  pending: { readonly unfinished: readonly PendingUpload[]; readonly failed: readonly PendingUpload[] },
  path: string,
  io: CliIo,
): { job: TransferJob<ShareResult>; resumed: boolean } {
  const { resumed } = resumeOne(client, pending.unfinished, (job) => job.protocol === client.protocol);
  if (resumed !== undefined) return { job: client.job(resumed) as TransferJob<ShareResult>, resumed: true };
  // A put that failed (an outage, a node refusing, out of attempts) kept the pieces it stored, which
  // retry() does not send again; a new share sent every one of them again under a new key.
  const failed = pending.failed.find((job) => job.protocol === client.protocol);
  if (failed !== undefined) {
    try {
      const job = client.retry(failed.id) as TransferJob<ShareResult>;
      io.stderr.write(`status-compat file put: its earlier put failed; that upload runs again, without sending the pieces it stored\n`);
      return { job, resumed: true };
    } catch (error) {
      // Forgotten by the client's start meanwhile (it ended more than keepEndedJobsMs ago): shared anew.
      if (!(error instanceof StorageError) || error.code !== "E_JOB_UNKNOWN") throw error;
    }
  }
  return { job: client.share({ path }), resumed: false };
}

/**
 * The download that puts the file the user asked for at `out`. An interrupted get to the same path
 * resumes only when it is of the same reference: the journal keeps the reference bytes as given,
 * and the CLI always gives the bytes decoded from base64, so the same reference is the same bytes
 * (an equivalent reference encoded differently starts over, which only costs the resume). A pending
 * download of another reference to `out` is cancelled, which removes its temp file: both would end
 * by renaming onto `out`, the user's latest command says which file belongs there, and left pending
 * it would resume in the background at every later start. A cancelled job already past its last
 * check (renaming, say) still finishes, so the new download starts only once the cancelled ones
 * have settled: nothing of theirs can land on `out` after it.
 */
async function downloadJob(
  client: StorageClient,
  pending: { readonly toTarget: readonly PendingDownload[]; readonly toLink: readonly PendingDownload[] },
  reference: Uint8Array,
  out: string,
): Promise<TransferJob<FetchResult>> {
  // fetch's checks of the reference (E_BAD_REFERENCE, E_FILE_TOO_LARGE) before any pending job is
  // cancelled: a mangled paste must not cost the interrupted download its progress. The stream
  // makes them at once and starts nothing until it is read.
  void client.fetchStream(reference).return(undefined);
  const { resumed, cancelled } = resumeOne(client, pending.toTarget, (job) => Buffer.from(job.reference).equals(reference));
  // A get to the link's own path (interrupted by a release that replaced links) would rename onto the link when it ends.
  for (const job of pending.toLink) cancelled.push(cancelIfUnfinished(client, job.id).done);
  if (resumed !== undefined) return client.job(resumed) as TransferJob<FetchResult>;
  await Promise.allSettled(cancelled);
  return client.fetch(reference, { out });
}

/**
 * The interrupted job this command resumes was failed at the client's start (E_CRASH_LOOP): its last
 * runs each ended with the process (killed, out of memory) before one more piece was through. That
 * guard keeps an app from resuming a job that kills it at every start; a user who runs the command
 * again asks for the job, so it is run again (retry(): an upload keeps its stored pieces). Reported
 * as the error, it told the user to call retry(), which a CLI user cannot, and exited 5.
 */
function crashLooped(error: unknown): boolean {
  return error instanceof StorageError && error.code === "E_CRASH_LOOP";
}

/**
 * The library's advice to an application that names retry() (and the client's next start), in the
 * words of a CLI user, who has neither: the same command run again starts a client, which resumes a
 * download that kept its verified pieces (an outage, a passing disk failure), or starts a new one
 * when the failed one kept nothing. The journal's last_error keeps the library's words.
 */
const IN_COMMAND_WORDS: readonly (readonly [library: string, command: string])[] = [
  [RESUME_KEPT_PIECES, "running the same command again (same reference, --out and home)"],
  // A folder where its temp file goes (`<out>.<id8>.part`): the command run again starts a new download.
  [RETRY_STARTS_OVER, "run the same command again (the download starts over)"],
  // Its temp file or its folder removed while it ran: --out's folder must exist for the command, which does not make it.
  [RETRY_FETCHES_AGAIN, "running the same command again fetches the file again (make the folder of --out again first if it is gone: the command does not)"],
];

/** Same code, details and cause (the original), in the CLI's words. */
function inCommandWords(error: unknown): unknown {
  if (!(error instanceof StorageError)) return error;
  let message = error.message;
  for (const [library, command] of IN_COMMAND_WORDS) message = message.replace(library, command);
  return message === error.message ? error : new StorageError(error.code, message, { cause: error, details: error.details });
}

const RERUN_AFTER_CRASH_LOOP = "its interrupted job's last runs each ended with the process before a piece was through (killed, out of memory?); running it again, as this command asks";

/**
 * Something at PATH that is not a regular file: the client's "there is no file to share" would
 * send the user looking for a file that is there. A missing PATH is left to the client; a path
 * stat cannot even look at (ENOTDIR) escaped it as an untyped error.
 */
function checkSharable(path: string): void {
  let info: Stats | undefined;
  try {
    info = statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    // A path through a file (ENOTDIR), a loop of links, a name too long: nothing there to share.
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    // A folder on the way the user may not enter: the disk refusing, as for the file itself.
    if (code === "EACCES" || code === "EPERM") throw cannotRead(path, code, error);
    const what = code === "ENOTDIR" ? `there is no file to share at ${path}` : `file put: cannot look at ${path} (${code})`;
    throw new StorageError("E_SOURCE_MISSING", what, { cause: error, details: { path } });
  }
  if (info === undefined) return;
  if (info.isFile()) {
    checkReadable(path);
    // The library's "the file is empty" named no file, and of a file the kernel makes up as it is
    // read (/proc, /sys: size 0, yet text when read) it was plainly wrong.
    if (info.size === 0) {
      throw new StorageError(
        "E_FILE_EMPTY",
        `file put: ${path} is empty (0 bytes); a file reference cannot describe zero bytes (send nothing, or a text message). A file of the system that reads as text but has no size (under /proc or /sys) cannot be shared as it is: copy it to a file first`,
        { details: { path } },
      );
    }
    return;
  }
  const what = info.isDirectory() ? "is a folder; give one file (a folder is shared file by file)" : "is not a regular file (a device, pipe or socket); give a file";
  throw new StorageError("E_SOURCE_MISSING", `file put: ${path} ${what}`, { details: { path } });
}

/**
 * A file the user may not read (mode 000, another user's) is the disk refusing, E_LOCAL_IO (exit 5)
 * as documented: found only by the upload, it read "can no longer be read; share it again" (exit 3),
 * though it never could and sharing it again fails the same way.
 */
function checkReadable(path: string): void {
  try {
    // access(), as the library's own check (dd4d890): no descriptor taken, so a moment out of them
    // (EMFILE) does not refuse a share the library accepts, and no wait for a cloud drive's
    // placeholder to be fetched. What access() cannot see, the upload's open reports as E_LOCAL_IO.
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw cannotRead(path, (error as NodeJS.ErrnoException).code ?? "unknown error", error);
  }
}

/**
 * The file of an interrupted or failed put removed before the command ran again: the resumed
 * upload failed as "upload <id>: the file being shared can no longer be read; share it again
 * (ENOENT)", naming a job the user never saw and asking for what cannot be done, where a put of a
 * missing file says there is none. The upload has ended (failed in the journal), so it is said too.
 */
function goneSinceItsPut(path: string, cause: StorageError): StorageError {
  return new StorageError("E_SOURCE_MISSING", `there is no file to share at ${path}: it was removed since its earlier put, whose upload has now ended; give the file's new path, or restore it`, {
    cause,
    details: { ...cause.details, path },
  });
}

/**
 * The file changed while this put read it (a recording, a download or a log still being written):
 * the library's "upload <id>: … changed since the upload began (…); share it again" named a job the
 * user never saw, and run again at once it fails the same way while the writer goes on.
 */
function changedWhileShared(path: string, cause: StorageError): StorageError {
  const why = /\(([^()]*)\); share it again$/.exec(cause.message)?.[1];
  return new StorageError(
    "E_SOURCE_CHANGED",
    `${path} changed while it was being shared${why === undefined ? "" : ` (${why})`}; no reference was made. A file still being written (a recording, a download, a log) cannot be shared as it is: run the same command again once nothing writes to it, or share a copy`,
    { cause, details: { ...cause.details, path } },
  );
}

function cannotRead(path: string, code: string, cause: unknown): StorageError {
  const why = code === "EACCES" || code === "EPERM" ? `${code}: permission denied; give a file you can read, or change its permissions` : code;
  return new StorageError("E_LOCAL_IO", `file put: cannot read ${path} (${why}). Nothing was started.`, { cause, details: { code, path } });
}

export const filePutCommand: Command = {
  path: ["file", "put"],
  usage: FILE_PUT_USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs("file put", args, COMMON_OPTIONS, true);
    if (positionals.length !== 1) throw new CliError("E_USAGE", "file put: give exactly one PATH (see --help)");
    // "-" is stdin to most tools; taken as a path it was "there is no file to share at <cwd>/-".
    if (positionals[0] === "-") {
      throw new CliError("E_USAGE", 'file put: "-" (standard input) cannot be shared: a put reads its file again to resume and to check it did not change; save it to a file first (./- for a file named "-")');
    }
    const path = resolve(io.cwd, positionals[0] as string);
    // Before checkSharable: the -wal or a lock is empty or not as the command rewrites it, which made the answer depend on timing.
    checkShareOutsideHome("file put", path, commandHome("file put", values, io));
    checkSharable(path);
    if (values.metrics !== undefined && values.metrics !== "") {
      checkNotSameFile("file put", "metrics", pathOption("file put", "metrics", values.metrics, io), values.metrics, path, "the file to share", "Nothing was started.");
    }
    return interruptible("file put", "the upload started", io, async (interrupts) => {
      const session = await openSession("file put", values, io, interrupts, (journal) => uploadsToGoOnWith(journal, path));
      try {
        let { job, resumed } = uploadJob(session.client, session.pending, path, io);
        let outcome;
        let retried = false;
        for (;;) {
          const done = progressBar(io, "put", job);
          try {
            outcome = await doneOrInterrupted(job.done, () => session.client.stop(), interrupts);
            break;
          } catch (error) {
            if (resumed && !retried && crashLooped(error)) {
              io.stderr.write(`status-compat file put: ${RERUN_AFTER_CRASH_LOOP}\n`);
              job = session.client.retry(job.id) as TransferJob<ShareResult>;
              retried = true;
              continue;
            }
            if (resumed && error instanceof StorageError && error.code === "E_SOURCE_MISSING" && !existsSync(path)) throw goneSinceItsPut(path, error);
            if (!(error instanceof StorageError) || error.code !== "E_SOURCE_CHANGED") throw error;
            if (!resumed) throw changedWhileShared(path, error);
            // The interrupted put refuses a file edited since (it must not seal other bytes under its
            // key); the user asked to share the file as it is now, so that is a new share.
            io.stderr.write(`status-compat file put: ${path} changed since its interrupted put; sharing it as it is now\n`);
            ({ job, resumed } = { job: session.client.share({ path }), resumed: false });
          } finally {
            done();
          }
        }
        interrupts.dispose();
        if (outcome.kind === "interrupted") {
          io.stderr.write(
            `status-compat file put: interrupted (${signalText(outcome.signal)}); the upload is kept and resumes when you run the same command again (same home and --protocol)${hangupAdvice(outcome.signal, "file put")}\n`,
          );
          return interruptedStatus(outcome.signal);
        }
        const result = outcome.value;
        const v = result.view;
        const readable = {
          protocol: result.protocol,
          fileName: v.fileName,
          mime: v.mime,
          plaintextSize: v.plaintextSize,
          plaintextSha256: Buffer.from(v.plaintextSha256).toString("hex"),
          chunkSize: v.encryption.chunkSize,
          pieces: v.pieces.map((p) => ({ cid: p.cid, size: p.size, sha256: Buffer.from(p.sha256).toString("hex") })),
          ...(v.uploadedAt === undefined ? {} : { uploadedAt: v.uploadedAt }),
          ...(v.expiresAt === undefined ? {} : { expiresAt: v.expiresAt }),
          backend: session.backend.kind,
          base64: Buffer.from(result.reference).toString("base64"),
        };
        io.stdout.write(JSON.stringify(readable) + "\n");
        return EXIT.OK;
      } finally {
        await session.close();
      }
    });
  },
};

export const fileGetCommand: Command = {
  path: ["file", "get"],
  usage: FILE_GET_USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs("file get", args, { ...COMMON_OPTIONS, out: { type: "string" } }, true);
    if (positionals.length !== 1) throw new CliError("E_USAGE", "file get: give exactly one BASE64 reference (see --help)");
    if (values.out === undefined || values.out === "") throw new CliError("E_USAGE", "file get: --out is required (see --help)");
    // "-" is stdout to most tools; taken as a path it made a file named "-" in the working folder.
    if (values.out === "-") {
      throw new CliError("E_USAGE", 'file get: --out - (standard output) is not written to: the file is checked whole before it is moved into place, and stdout carries the result; give a file\'s path (./- for a file named "-")');
    }
    const out = pathOption("file get", "out", values.out, io);
    // A link at --out is written through, as cp and curl -o do: the download lands on the file it names.
    const target = writeTarget("file get", "out", out, values.out, "Nothing was downloaded.");
    const given = target === out ? values.out : `${values.out} (a symbolic link to ${target})`;
    try {
      checkDownloadPath("file get", "out", target, "Nothing was downloaded.", values.out);
    } catch (error) {
      if (target === out || !(error instanceof CliError)) throw error;
      throw new CliError(error.code, error.message.replace(/^file get: /, `file get: --out ${values.out} is a symbolic link to ${target}: `), { cause: error });
    }
    if (values.metrics !== undefined && values.metrics !== "") {
      checkNotSameFile("file get", "metrics", pathOption("file get", "metrics", values.metrics, io), values.metrics, out, "--out", "Nothing was downloaded.");
    }
    const reference = decodePastedReference(positionals[0] as string);
    return interruptible("file get", "the download started", io, async (interrupts) => {
      const session = await openSession(
        "file get",
        values,
        io,
        interrupts,
        async (journal) => ({ toTarget: await pendingDownloadsTo(journal, target), toLink: target === out ? [] : await pendingDownloadsTo(journal, out) }),
        { path: target, given },
      );
      try {
        let job = await downloadJob(session.client, session.pending, reference, target);
        let outcome;
        for (let retried = false; ; retried = true) {
          const done = progressBar(io, "get", job);
          try {
            outcome = await doneOrInterrupted(job.done, () => session.client.stop(), interrupts);
            break;
          } catch (error) {
            if (retried || !crashLooped(error)) throw notFoundInCommandWords(inCommandWords(error), session.backend.kind, session.home);
            io.stderr.write(`status-compat file get: ${RERUN_AFTER_CRASH_LOOP}\n`);
            job = session.client.retry(job.id) as TransferJob<FetchResult>;
          } finally {
            done();
          }
        }
        interrupts.dispose();
        if (outcome.kind === "interrupted") {
          io.stderr.write(
            `status-compat file get: interrupted (${signalText(outcome.signal)}); the download is kept and resumes when you run the same command again (same reference, --out and home)${hangupAdvice(outcome.signal, "file get")}\n`,
          );
          return interruptedStatus(outcome.signal);
        }
        const result = outcome.value;
        // --out as given (made absolute), a link's too: the path the user reads the file by.
        io.stdout.write(JSON.stringify({ path: out, size: result.size, sha256: Buffer.from(result.sha256).toString("hex") }) + "\n");
        return EXIT.OK;
      } finally {
        await session.close();
      }
    });
  },
};
