import { stat } from "node:fs/promises";
import { sameDigest, type Sha256Offload } from "../crypto/index.js";
import type { FileReference } from "../wire/index.js";
import { fileDigest, type FileDigest } from "./file-digest.js";

/**
 * Whether a file the client put in its cache (or spool) still holds a reference's content:
 * - `content`: it hashes to the reference's plaintext sha256 over exactly its plaintext size;
 * - `wrong-size`: it hashes to that sha256 over another number of bytes: the file is that content,
 *   so the reference is wrong (its size cannot belong to those bytes);
 * - `changed`: it hashes to something else (the application wrote to it since it was handed out);
 * - `gone`: there is no file at the path (ENOENT).
 */
export type CachedFileCheck =
  | { readonly verdict: "content" | "wrong-size" | "changed"; readonly digest: FileDigest }
  | { readonly verdict: "gone"; readonly digest?: undefined };

/**
 * Hashes the file at `path` and judges it against `view` (the callers: a fetch served from the
 * cache, and a download that finds its content cached while it waited its turn). A file that does
 * not match but is no longer the one at the path when its hash ends is checked again: another
 * fetch of the same content found it changed meanwhile and put a fresh verified copy there, which
 * this check would otherwise take for the changed one. Twice at most: a path that keeps being
 * replaced is a changed file as any. A failure other than ENOENT (an abort included) is thrown.
 */
export async function checkCachedFile(hasher: Sha256Offload, path: string, view: FileReference, signal: AbortSignal): Promise<CachedFileCheck> {
  for (let check = 0; ; check++) {
    const digest = await fileDigest(hasher, path, view.plaintextSize, signal).catch(undefinedWhenGone);
    if (digest === undefined) return { verdict: "gone" };
    if (sameDigest(digest.sha256, view.plaintextSha256)) return { verdict: digest.bytes === view.plaintextSize ? "content" : "wrong-size", digest };
    if (check === 2) return { verdict: "changed", digest };
    const now = await stat(path).catch(() => undefined);
    if (now === undefined || (now.dev === digest.dev && now.ino === digest.ino)) return { verdict: "changed", digest };
  }
}

/** A hash that found no file (ENOENT) gives undefined; any other failure stands. */
function undefinedWhenGone(error: unknown): undefined {
  if ((error as { code?: unknown } | null)?.code === "ENOENT") return undefined;
  throw error;
}
