import { mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { DestinationStream } from "pino";
import type { CliIo, Command } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { parseCommandArgs } from "../args.js";
import { CliError } from "../usage-error.js";
import { createLogger, type Logger } from "../../obs/index.js";
import { CURRENT_PROTOCOL } from "../../versions/index.js";
import {
  CODEX_API_PREFIX,
  createCodexBackend,
  createLocalBackend,
  StorageClient,
  StorageError,
  type StorageBackend,
  type TransferJob,
  type TransferProgress,
} from "../../storage/index.js";

/** Where `file put/get` keep their store, state and cache unless told otherwise. */
export const HOME_ENV = "STATUS_COMPAT_HOME";

/** `--home`, else $STATUS_COMPAT_HOME, else $XDG_DATA_HOME/status-compat, else ~/.local/share/status-compat. */
export function defaultHome(env: NodeJS.ProcessEnv): string {
  const explicit = env[HOME_ENV];
  if (explicit !== undefined && explicit !== "") return explicit;
  const xdg = env["XDG_DATA_HOME"];
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), ".local", "share"), "status-compat");
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

const COMMON_USAGE = `  --backend local|codex   where the pieces go (default local: the embedded store under the home directory)
  --codex-url URL         Codex node REST API, e.g. http://127.0.0.1:8080 (with --backend codex)
  --api-prefix PATH       ${CODEX_API_PREFIX} (default) or /api/storage/v1 (current Logos Storage nodes)
  --protocol N            protocol profile to behave as (2 = release 0.2.0, 3 = 0.3.0; default ${CURRENT_PROTOCOL})
  --attempts N            tries per piece before giving up (default 5; backoff with jitter between them)
  --home DIR              store, state and cache directory (default $${HOME_ENV}, else $XDG_DATA_HOME/status-compat,
                          else ~/.local/share/status-compat)
  --metrics FILE          when the command ends, write the client's metrics there (Prometheus text format)`;


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

interface Session {
  client: StorageClient;
  backend: StorageBackend;
  close(): Promise<void>;
}

function logger(io: CliIo): Logger {
  const raw = io.env["STATUS_COMPAT_LOG_LEVEL"];
  const level = raw === "trace" || raw === "debug" || raw === "info" || raw === "warn" || raw === "error" || raw === "fatal" || raw === "silent" ? raw : "warn";
  return createLogger({ name: "status-compat file", level, destination: io.stderr as unknown as DestinationStream });
}

function wholeNumber(command: string, flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new CliError("E_USAGE", `${command}: --${flag} must be a whole number of at least 1, not "${value}"`);
  return Number(value);
}

async function openSession(command: string, values: CommonValues, io: CliIo): Promise<Session> {
  const home = resolve(io.cwd, values.home ?? defaultHome(io.env));
  mkdirSync(home, { recursive: true });
  const log = logger(io);
  const kind = values.backend ?? "local";
  let backend: StorageBackend;
  if (kind === "local") {
    backend = createLocalBackend({ dir: join(home, "store"), logger: log });
  } else if (kind === "codex") {
    const url = values["codex-url"];
    if (url === undefined || url === "") throw new CliError("E_USAGE", `${command}: --backend codex needs --codex-url (see --help)`);
    backend = createCodexBackend({ url, logger: log, ...(values["api-prefix"] === undefined ? {} : { apiPrefix: values["api-prefix"] }) });
  } else {
    throw new CliError("E_USAGE", `${command}: --backend must be local or codex, not "${kind}"`);
  }
  try {
    const client = await StorageClient.open({
      protocol: wholeNumber(command, "protocol", values.protocol, CURRENT_PROTOCOL),
      retry: { maxAttempts: wholeNumber(command, "attempts", values.attempts, CLI_ATTEMPTS) },
      backend,
      statePath: join(home, "state.sqlite"),
      dataDir: join(home, "data"),
      renewEveryMs: 0,
      logger: log,
    });
    return {
      client,
      backend,
      async close() {
        // Written whether the command succeeded or not: failed attempts and retries are what an operator looks for.
        if (values.metrics !== undefined && values.metrics !== "") writeFileSync(resolve(io.cwd, values.metrics), await client.metrics.text());
        await client.stop();
        await backend.close();
      },
    };
  } catch (error) {
    await backend.close();
    throw error;
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

function decodeBase64(text: string): Uint8Array {
  const clean = text.trim();
  if (clean === "" || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(clean)) {
    throw new StorageError("E_BAD_REFERENCE", "the reference is not base64 (pass the `base64` field that `file put` printed)");
  }
  return Buffer.from(clean.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

export const filePutCommand: Command = {
  path: ["file", "put"],
  summary: "share a file: encrypt, upload in pieces, print its FileReference as JSON",
  usage: `status-compat file put PATH [options]

Encrypts PATH (AES-256-GCM in chunks), uploads it in pieces, and prints the FileReference as one JSON
object on stdout: "base64" holds its protobuf bytes (what a chat message carries, content key
included); the other fields are readable and never include key material. A progress bar goes to
stderr on a terminal. An interrupted put resumes where it stopped when run again with the same home.

Options:
${COMMON_USAGE}

Exit: 0 ok, 2 usage, 3 bad input (empty, too large, missing file), 4 state refused, 5 storage failure`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs("file put", args, COMMON_OPTIONS, true);
    if (positionals.length !== 1) throw new CliError("E_USAGE", "file put: give exactly one PATH (see --help)");
    const session = await openSession("file put", values, io);
    try {
      const path = resolve(io.cwd, positionals[0] as string);
      // A put interrupted earlier resumes (its pieces already stored are not sent again).
      const job = session.client.pendingUploadOf(path) ?? session.client.share({ path });
      const done = progressBar(io, "put", job);
      let result;
      try {
        result = await job.done;
      } finally {
        done();
      }
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
  },
};

export const fileGetCommand: Command = {
  path: ["file", "get"],
  summary: "fetch a shared file from its FileReference (base64) and write it, verified",
  usage: `status-compat file get BASE64 --out PATH [options]

Fetches every piece of the FileReference BASE64 (the "base64" field printed by \`file put\`), checks
each piece's sha256, decrypts, checks the whole file's sha256, and only then moves it to PATH
(atomically). Prints {"path", "size", "sha256"} as JSON. Nothing is written when a check fails.

Options:
  --out PATH              where to write the file (required)
${COMMON_USAGE}

Exit: 0 ok, 2 usage, 3 bad input (not a reference, integrity failure), 4 state refused, 5 storage failure`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs("file get", args, { ...COMMON_OPTIONS, out: { type: "string" } }, true);
    if (positionals.length !== 1) throw new CliError("E_USAGE", "file get: give exactly one BASE64 reference (see --help)");
    if (values.out === undefined || values.out === "") throw new CliError("E_USAGE", "file get: --out is required (see --help)");
    const out = resolve(io.cwd, values.out);
    const reference = decodeBase64(positionals[0] as string);
    const session = await openSession("file get", values, io);
    try {
      const job = session.client.pendingDownloadTo(out) ?? session.client.fetch(reference, { out });
      const done = progressBar(io, "get", job);
      let result;
      try {
        result = await job.done;
      } finally {
        done();
      }
      io.stdout.write(JSON.stringify({ path: result.path, size: result.size, sha256: Buffer.from(result.sha256).toString("hex") }) + "\n");
      return EXIT.OK;
    } finally {
      await session.close();
    }
  },
};

/** Both file commands, registered together. */
export const fileCommands: readonly Command[] = [filePutCommand, fileGetCommand];
