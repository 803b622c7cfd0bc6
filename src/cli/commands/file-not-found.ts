import { CID } from "multiformats/cid";
import { base58btc } from "multiformats/bases/base58";
import { StorageError } from "../../storage/index.js";

/** multicodec `raw`: how the local store names its blocks (cidOfDigest). */
const RAW_CODEC = 0x55;
/** multicodec `codex-manifest`: what a Codex node answers an upload with, a dataset's CID. */
const CODEX_MANIFEST_CODEC = 0xcd01;

function codecOf(cid: unknown): number | undefined {
  if (typeof cid !== "string") return undefined;
  try {
    return CID.parse(cid, base58btc).code;
  } catch {
    return undefined;
  }
}

/**
 * A piece the store does not have, in the words of a user who may have given a reference to the
 * wrong store: a reference put to a Codex node has Codex dataset CIDs, which a local store never
 * holds, and one put with `--backend local` names its pieces as raw blocks, which no Codex dataset
 * is; a local store is one home's. The backends' own message ("the local store has no content
 * under …", a node that searched its peers) said what but not what to do. The piece's CID
 * (`details.cid`) tells which case it is; without it the error is left as it is.
 */
export function notFoundInCommandWords(error: unknown, backend: "local" | "codex" | string, home: string): unknown {
  if (!(error instanceof StorageError) || error.code !== "E_NOT_FOUND") return error;
  const codec = codecOf((error.details as { cid?: unknown } | undefined)?.cid);
  let advice: string | undefined;
  if (backend === "local" && codec === CODEX_MANIFEST_CODEC) {
    advice = "this reference was shared to a Codex node (its pieces are Codex datasets, which a local store never holds): get it with --codex-url URL of a node that can reach them";
  } else if (backend === "local" && codec === RAW_CODEC) {
    advice = `a local store is one home's (${home}): a file put with --backend local is got with the --home it was put with, on that machine; to share it with others, put it to a Codex node (--codex-url)`;
  } else if (backend === "codex" && codec === RAW_CODEC) {
    advice = "this reference was shared with --backend local (its pieces are named as the local store names them, which no Codex dataset is): get it with --backend local and the --home it was put with";
  }
  if (advice === undefined) return error;
  return new StorageError(error.code, `${error.message.replace(/\.?\s*$/, "")}; ${advice}`, { cause: error, details: error.details });
}
