import { accessSync, constants } from "node:fs";
import { describedValue } from "../errors/index.js";
import { MAX_PIECES, isWireError, type FileReference } from "../wire/index.js";
import { planPieces } from "./piece-plan.js";
import { keysOf, refuseUnknownKeys } from "./option-keys.js";
import { encodeReference } from "./reference-codec.js";
import type { ShareInput } from "./share-intake.js";
import { StorageError } from "./storage-error.js";
import { sourceOpenError } from "./upload/open-source.js";

/** What share() refuses before any byte moves: empty, over the limit, more pieces than a reference holds. */
export function checkShareable(size: number, limit: number, chunkSize: number, pieceSize: number): void {
  if (size === 0) throw new StorageError("E_FILE_EMPTY", "the file is empty; a file reference cannot describe zero bytes (send nothing, or a text message)");
  if (size > limit) {
    throw new StorageError("E_FILE_TOO_LARGE", `the file is ${size} bytes, over the ${limit}-byte limit per file; nothing was uploaded`, { details: { size, limit } });
  }
  const pieces = planPieces(size, chunkSize, pieceSize).pieces.length;
  if (pieces > MAX_PIECES) {
    throw new StorageError("E_FILE_TOO_LARGE", `the file would need ${pieces} pieces of ${pieceSize} bytes; a reference holds at most ${MAX_PIECES} (raise pieceSize)`, {
      details: { size, pieces, maxPieces: MAX_PIECES },
    });
  }
}

/** Refuses a name or MIME type the wire would refuse, before any upload (encoding a stand-in reference). */
export function checkEncodable(mime: string, fileName: string, params: { key: Uint8Array; noncePrefix: Uint8Array; chunkSize: number }, protocol: number): void {
  const probe: FileReference = {
    pieces: [{ cid: "zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA", size: 1, sha256: new Uint8Array(32) }],
    encryption: { scheme: "aes-256-gcm-stream", key: params.key, noncePrefix: params.noncePrefix, chunkSize: params.chunkSize },
    plaintextSize: 1,
    mime,
    fileName,
    plaintextSha256: new Uint8Array(32),
  };
  try {
    encodeReference(probe, protocol);
  } catch (error) {
    const cause = (error as StorageError).cause;
    const wire = isWireError(cause) ? cause : undefined;
    const field = String(wire?.details["field"] ?? "");
    // The wire's reason ("must be a MIME type …") was in the cause only: "its mime is not allowed" said neither what nor what to do.
    const reason = wire === undefined || field === "" ? "is not allowed in a file reference" : wire.message.replace(/^FileReference\.\S+ /, "");
    const length = wire?.details["length"];
    const given = typeof length === "number" ? ` (the one given has ${length} characters)` : "";
    const todo = field === "mime" ? `; pass one such as "image/png", or leave mime out to have it taken from the file's name` : "";
    throw new StorageError("E_BAD_REFERENCE", `the file cannot be shared as given: its ${field === "" ? "name or MIME type" : field} ${reason}${given}${todo}`, {
      cause: (error as StorageError).cause,
      details: { field },
    });
  }
}

/**
 * Refuses a file this process may not read (mode 000, another user's, a folder on its path it may
 * not enter) before anything is journaled: a stat answers for it, so the upload found it only when
 * it ran, as "can no longer be read; share it again" (E_SOURCE_MISSING), though it never could be
 * read, and left a failed upload behind. The disk refusing is E_LOCAL_IO, as documented.
 * Asked with access(), not by opening it on the caller's turn: that takes no descriptor (an album's
 * uploads may hold them all for a moment), and it does not wait for a file the system must first
 * fetch to open it (a cloud drive's placeholder); what access() cannot see (a Windows ACL) the
 * upload's own open still reports as E_LOCAL_IO.
 */
export function checkReadable(path: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (error) {
    // Passing causes say nothing of the file: the upload opens it in its turn.
    if (PASSING.has(String((error as NodeJS.ErrnoException).code))) return;
    throw sourceLookupError(error, path);
  }
}

/** Failures that pass (out of descriptors or memory for a moment, interrupted): not the file's. */
const PASSING = new Set(["EMFILE", "ENFILE", "EAGAIN", "EINTR", "ENOMEM"]);

/** A failed look at the file share() is asked for: nothing there is E_SOURCE_MISSING, the disk refusing E_LOCAL_IO. */
export function sourceLookupError(error: unknown, path: string): StorageError {
  return sourceOpenError(error, path, "share", `there is no file to share at ${path}`);
}

/**
 * The keys of both forms of share()'s input (the compiler holds them to ShareInput); one form's key
 * in the other is taken when undefined (an app's optional setting spread in), refused as "both" else.
 */
const SHARE_KEYS = [
  ...new Set([
    ...keysOf<Extract<ShareInput, { path: string }>>()({ path: true, fileName: true, mime: true }),
    ...keysOf<Extract<ShareInput, { bytes: Uint8Array }>>()({ bytes: true, fileName: true, mime: true }),
  ]),
];

/**
 * Refuses what share()'s types forbid, for JavaScript callers: an ArrayBuffer for `bytes` (what
 * `file.arrayBuffer()` gives), a string, a path that is not a string. They threw raw TypeErrors from
 * deep inside (the spool write, path.resolve), or a string was refused by the journal as a failed
 * state database (E_LOCAL_IO), sending the user to the disk. Then what the types forbid of the
 * rest (E_UNSUPPORTED, `details.option`): both a path and bytes (the bytes were ignored), a key
 * share() does not take (`name` for `fileName`: ignored), bytes without their `fileName` (sent as
 * "file", though the types ask for it), a name or MIME type that is not a string. Gives the form
 * taken: a path given as undefined (an optional setting spread in) is not given, so that is bytes.
 */
export function checkShareInput(input: unknown): "path" | "bytes" {
  const given = input as { path?: unknown; bytes?: unknown; fileName?: unknown; mime?: unknown } | null | undefined;
  // An empty path is none either: resolved, it named the working folder ("/… is a folder").
  const ok =
    typeof given === "object" && given !== null && (given.path !== undefined ? typeof given.path === "string" && given.path !== "" : given.bytes instanceof Uint8Array);
  if (!ok) {
    const what =
      typeof given !== "object" || given === null
        ? String(given)
        : given instanceof Uint8Array
          ? `the bytes themselves (${describedValue(given)}), not an object holding them`
          : given.path !== undefined
            ? `a path as ${describedValue(given.path)}`
            : given.bytes !== undefined
              ? `bytes as ${describedValue(given.bytes)}`
              : `an object with neither path nor bytes (its keys: ${Object.keys(given).slice(0, 8).join(", ") || "none"})`;
    throw new StorageError("E_SOURCE_MISSING", `share() takes { path } (a string) or { bytes, fileName } (bytes a Uint8Array or Buffer; wrap an ArrayBuffer: new Uint8Array(buffer)); it was given ${what}`);
  }
  const fromPath = given.path !== undefined;
  if (fromPath && given.bytes !== undefined) {
    throw new StorageError("E_UNSUPPORTED", "share() takes a path or bytes, not both: { path } shares the file, { bytes, fileName } the bytes", { details: { option: "bytes" } });
  }
  refuseUnknownKeys("share", given, SHARE_KEYS);
  if (!fromPath && given.fileName === undefined) {
    throw new StorageError("E_UNSUPPORTED", 'share({ bytes }) needs fileName, the name the receiver is shown (an empty one is sent as "file")', { details: { option: "fileName" } });
  }
  for (const option of ["fileName", "mime"] as const) {
    const value = given[option];
    if (value !== undefined && typeof value !== "string") {
      throw new StorageError("E_UNSUPPORTED", `share() option ${option} must be a string, not ${describedValue(value)}`, { details: { option } });
    }
  }
  return fromPath ? "path" : "bytes";
}
