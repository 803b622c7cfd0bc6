import { CODEX_API_PREFIX } from "../../storage/backends/codex/api-prefixes.js";
import { CURRENT_PROTOCOL } from "../../versions/index.js";

// The usage texts of `file put` and `file get`, apart from the commands (file.ts), so that their
// --help and `file --help` load these and the constants they show, not the storage client and the
// state (SQLite), which took 0.5 s of each help (bench/RESULTS.md, cli).

/** Where `file put/get` keep their store, state and cache unless told otherwise. */
export const HOME_ENV = "STATUS_COMPAT_HOME";

const COMMON_USAGE = `  --backend local|codex   where the pieces go (default local: the embedded store under the home directory)
  --codex-url URL         Codex node REST API, e.g. http://127.0.0.1:8080 (given alone, means --backend codex);
                          one ending in /api/codex/v1 or /api/storage/v1 also gives the API prefix
  --api-prefix PATH       ${CODEX_API_PREFIX} (default) or /api/storage/v1 (current Logos Storage nodes)
  --protocol N            protocol profile to behave as (2 = release 0.2.0, 3 = 0.3.0; default ${CURRENT_PROTOCOL})
  --attempts N            tries per piece before giving up (default 5; backoff with jitter between them)
  --home DIR              store, state and cache directory (default $${HOME_ENV}, else $XDG_DATA_HOME/status-compat,
                          else $HOME/.local/share/status-compat)
  --metrics FILE          when the command ends, write the client's metrics there (Prometheus text format)
                          (a write the disk refuses leaves nothing at FILE, no part and no earlier run's)`;

export const FILE_PUT_USAGE = `status-compat file put PATH [options]

Encrypts PATH (AES-256-GCM in chunks), uploads it in pieces, and prints the FileReference as one JSON
object on stdout: "base64" holds its protobuf bytes (what a chat message carries, content key
included); the other fields are readable and never include key material. A progress bar goes to
stderr on a terminal. An interrupted put resumes where it stopped when run again with the same home
and --protocol (a file edited since is shared anew), and so does a put that failed (an outage: the
pieces it stored are not sent again); run with another --protocol, it cancels the interrupted one
and starts over.

Options:
${COMMON_USAGE}

Exit: 0 ok, 2 usage or better-sqlite3's native part not built (npm rebuild better-sqlite3), 3 bad input (empty,
too large, missing, changed while read), 4 state refused, 5 storage failure,
130 interrupted by Ctrl-C (143 SIGTERM, 129 SIGHUP: the terminal went away; the upload resumes when run again;
nohup does not keep it running past a hangup, setsid does: setsid -f status-compat file put PATH > ref.json 2> put.log)`;

export const FILE_GET_USAGE = `status-compat file get BASE64 --out PATH [options]

Fetches every piece of the FileReference BASE64 (the "base64" field printed by \`file put\`, as pasted:
quotes, line breaks and invisible characters are read past; or put's whole JSON output), checks
each piece's sha256, decrypts, checks the whole file's sha256, and only then moves it to PATH
(atomically). Prints {"path", "size", "sha256"} as JSON. Nothing is written when a check fails.
An interrupted get resumes when run again with the same reference, --out and home; a get of another
reference to that --out cancels the interrupted one (its partial file is removed) and starts over.
A get that failed keeping its verified pieces (an outage) goes on from them when run again too.

Options:
  --out PATH              the file to write (required; in an existing folder you can write; not a folder, pipe or device;
                          a symbolic link is written through: the file it names gets the download, the link stays)
${COMMON_USAGE}

Exit: 0 ok, 2 usage or better-sqlite3's native part not built (npm rebuild better-sqlite3), 3 bad input (not a
reference, integrity failure), 4 state refused, 5 storage failure,
130 interrupted by Ctrl-C (143 SIGTERM, 129 SIGHUP: the terminal went away; the download resumes when run again;
nohup does not keep it running past a hangup, setsid does: setsid -f status-compat file get BASE64 --out PATH > result.json 2> get.log)`;
